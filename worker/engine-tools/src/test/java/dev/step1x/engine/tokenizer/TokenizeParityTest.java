package dev.step1x.engine.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonParser;
import dev.step1x.engine.TestPaths;
import dev.step1x.engine.conditioner.Step1XPrompt;
import dev.step1x.engine.parity.ParityCase;
import dev.step1x.engine.parity.ParityCatalog;
import dev.step1x.engine.parity.ParityRunner;
import dev.step1x.engine.parity.ParityRunner.Row;
import dev.step1x.engine.parity.ParityRunner.Status;
import dev.step1x.engine.runtime.EngineRuntime;
import dev.step1x.engine.weights.SafetensorsFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The golden case qwen25vl/tokenize: all 12 id tensors exact, and the strings behind them. */
class TokenizeParityTest {

    static QwenTokenizer tokenizer;
    static Map<String, String> metadata;

    @BeforeAll
    static void load() throws Exception {
        tokenizer = TestTokenizer.load();
        try (SafetensorsFile f = SafetensorsFile.open(TestPaths.qwen25vl("cases/tokenize.safetensors"))) {
            metadata = f.metadata();
        }
    }

    @AfterAll
    static void close() {
        tokenizer.close();
    }

    @Test
    void everyOutputOfTheCasePasses() throws Exception {
        EngineRuntime runtime = EngineRuntime.startDefault();
        ParityCase c = ParityCatalog.cases(TestPaths.parityDir()).stream()
                .filter(p -> p.set().equals("qwen25vl") && p.name().equals(TokenizeParity.CASE)).findFirst().orElseThrow();
        assertThat(c.outputs()).hasSize(12);
        List<Row> rows = new ParityRunner(runtime, Map.of(TokenizeParity.CASE, TokenizeParity.component())).runCase(c);
        new ParityRunner.Report(rows).print(System.out);
        assertThat(rows).hasSize(12);
        assertThat(rows).allSatisfy(r -> {
            assertThat(r.status()).as(r.toString()).isEqualTo(Status.PASS);
            assertThat(r.maxAbsDiff()).as(r.tensor()).isZero();
        });
    }

    @Test
    void theCaseUsesTheTokenizerFileWeInstall() {
        assertThat(metadata).containsEntry("tokenizer_sha256", TestTokenizer.SHA256);
        assertThat(TokenizeParity.imageTokens(metadata)).isEqualTo(20);
        assertThat(TokenizeParity.instructionNames(metadata)).containsExactlyInAnyOrder("en", "zh", "quoted_en", "quoted_zh");
    }

    @Test
    void renderedPromptsEqualThePromptFilesAndTheMetadata() throws Exception {
        for (String name : TokenizeParity.instructionNames(metadata)) {
            String rendered = Step1XPrompt.render(metadata.get(name + ".instruction"));
            String file = Files.readString(TestPaths.qwen25vl("cases/prompt_" + name + ".txt"), StandardCharsets.UTF_8);
            assertThat(rendered).as(name).isEqualTo(file).isEqualTo(metadata.get(name + ".prompt_template"));
        }
        assertThat(Step1XPrompt.PREFIX).hasSize(1058).endsWith("User Prompt:");
    }

    @Test
    void splitSegmentsEqualTheMetadata() {
        for (String name : TokenizeParity.instructionNames(metadata)) {
            List<String> expected = new ArrayList<>();
            JsonParser.parseString(metadata.get(name + ".split_segments")).getAsJsonArray()
                    .forEach(e -> expected.add(e.getAsString()));
            String template = metadata.get(name + ".prompt_template");
            assertThat(Step1XPrompt.splitSegments(template)).as(name).isEqualTo(expected);
        }
    }

    @Test
    void quotedInstructionsChangeTheIdsAsDocumented() {
        Step1XPrompt prompt = new Step1XPrompt(tokenizer);
        int n = TokenizeParity.imageTokens(metadata);
        Step1XPrompt.Tokens en = prompt.tokenize(metadata.get("en.instruction"), n);
        assertThat(en.inputIds()).hasSize(260).isEqualTo(en.step1xIds());
        assertThat(en.quoteSplit()).isFalse();
        assertThat(en.templateIds()).hasSize(241);
        assertThat(en.inputIds()[223]).isEqualTo(tokenizer.visionStartId());
        for (int i = 224; i < 244; i++) {
            assertThat(en.inputIds()[i]).isEqualTo(tokenizer.imagePadId());
        }
        assertThat(en.inputIds()[244]).isEqualTo(tokenizer.visionEndId());
        // the kept slice starts with the prefix's last ':' then "Picture 1: <|vision_start|>"
        assertThat(java.util.Arrays.copyOf(en.keptIds(), 7))
                .containsExactly(25, 24669, 220, 16, 25, 220, tokenizer.visionStartId());

        Step1XPrompt.Tokens qen = prompt.tokenize(metadata.get("quoted_en.instruction"), n);
        assertThat(qen.inputIds()).hasSize(264);
        assertThat(qen.step1xIds()).hasSize(273);
        Step1XPrompt.Tokens qzh = prompt.tokenize(metadata.get("quoted_zh.instruction"), n);
        assertThat(qzh.inputIds()).hasSize(258);
        assertThat(qzh.step1xIds()).hasSize(259);
        assertThat(qzh.quoteSplit()).isTrue();
    }
}
