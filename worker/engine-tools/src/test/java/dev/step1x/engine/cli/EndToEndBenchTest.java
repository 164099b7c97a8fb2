package dev.step1x.engine.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.step1x.engine.ModelVersion;
import dev.step1x.engine.connector.Qwen2ConnectorConfig;
import dev.step1x.engine.dit.Step1XParams;
import dev.step1x.engine.mllm.qwen25vl.Qwen25VLConfig;
import dev.step1x.engine.parity.ParityPaths;
import dev.step1x.engine.pipeline.RandomModel;
import dev.step1x.engine.pipeline.Step1XEditPipeline;
import dev.step1x.engine.runtime.EngineRuntime;
import dev.step1x.engine.tokenizer.TestTokenizer;
import dev.step1x.engine.vae.AutoEncoderParams;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The full-size benchmark's table, run on random weights of the tiny parity shapes. */
class EndToEndBenchTest {

    @Test
    void printsARowWithTheOfficialFiguresBeside() throws Exception {
        Path p = ParityPaths.defaultParityDir();
        RandomModel.Configs tiny = new RandomModel.Configs(Step1XParams.fromJson(p.resolve("step1x/dit_config.json")),
                Qwen2ConnectorConfig.fromJson(p.resolve("step1x/connector_config.json")),
                AutoEncoderParams.fromJson(p.resolve("step1x/vae_config.json")),
                Qwen25VLConfig.fromJson(p.resolve("qwen25vl/config.json")));
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        try (Step1XEditPipeline engine = RandomModel.open(EngineRuntime.startDefault(), tiny,
                TestTokenizer.path())) {
            EndToEndBench.runFullSize(engine, List.of(512), 1, ModelVersion.V1_1, List.of(1),
                    new PrintStream(buf, true, StandardCharsets.UTF_8));
        }
        List<String> lines = buf.toString(StandardCharsets.UTF_8).lines().toList();
        assertThat(lines.get(0)).startsWith("full-size random weights: ").contains("(random weights)");
        assertThat(lines.get(1)).contains("s/edit").contains("peak RSS GiB").contains("official s/edit");
        List<String> rows = lines.stream().filter(l -> l.matches("^1 +v1\\.1:.*")).toList();
        // level 512: the README's 5 s and 42.5 GB (39.6 GiB)
        assertThat(rows).singleElement().satisfies(r -> assertThat(r).contains(" 5.0 ").contains("42.5 (39.6 GiB)"));
        assertThat(lines.get(lines.size() - 1)).startsWith("official: Step1X-Edit README, one H800");
    }
}
