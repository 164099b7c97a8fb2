package dev.step1x.engine.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import dev.step1x.engine.TestPaths;
import dev.step1x.engine.mllm.qwen25vl.Qwen25VLConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The DJL-backed Qwen tokenizer: no truncation, special tokens, config agreement, clear errors. */
class QwenTokenizerTest {

    static QwenTokenizer tokenizer;

    @BeforeAll
    static void load() throws IOException {
        tokenizer = QwenTokenizer.load(TestPaths.qwenTokenizer());
    }

    @AfterAll
    static void close() {
        tokenizer.close();
    }

    @Test
    void truncationAndPaddingAreOff() {
        assertThat(tokenizer.truncation()).isEqualTo("DO_NOT_TRUNCATE");
        assertThat(tokenizer.padding()).isEqualTo("DO_NOT_PAD");
    }

    @Test
    void inputsLongerThan512TokensAreNotTruncated() {
        // " a" is one token; 3000 of them stay 3000, far past DJL's silent 512 default.
        long[] ids = tokenizer.encode(" a".repeat(3000));
        assertThat(ids).hasSize(3000);
        assertThat(ids).containsOnly(ids[0]);
        // and a special token written 700 times is 700 ids
        assertThat(tokenizer.encode(QwenTokenizer.IMAGE_PAD.repeat(700))).hasSize(700).containsOnly(tokenizer.imagePadId());
    }

    @Test
    void djlsDefaultWouldHaveCutAt512() throws IOException {
        // The pitfall this class exists to avoid: the binding's defaults truncate silently.
        try (HuggingFaceTokenizer raw = HuggingFaceTokenizer.newInstance(tokenizer.file())) {
            assertThat(raw.encode(" a".repeat(3000), false, false).getIds()).hasSize(512);
        }
    }

    @Test
    void specialTokensAreMatchedWholeAndNoneAreAdded() {
        assertThat(tokenizer.encode("<|im_start|>user\nhi<|im_end|>"))
                .containsExactly(tokenizer.imStartId(), 872, 198, 6023, tokenizer.imEndId());
        assertThat(tokenizer.encode("")).isEmpty();
        assertThat(tokenizer.encode("!")).containsExactly(0L);
        assertThat(tokenizer.tokenId("<|vision_start|>")).isEqualTo(tokenizer.visionStartId());
        assertThat(tokenizer.decode(tokenizer.encode("Picture 1: <|vision_start|><|image_pad|><|vision_end|>把背景换成海边日落")))
                .isEqualTo("Picture 1: <|vision_start|><|image_pad|><|vision_end|>把背景换成海边日落");
        assertThatThrownBy(() -> tokenizer.tokenId("not a token"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("does not define");
    }

    @Test
    void specialIdsEqualTheConfigs() throws IOException {
        assertThat(tokenizer.endOfTextId()).isEqualTo(151643);
        assertThat(tokenizer.imStartId()).isEqualTo(151644);
        assertThat(tokenizer.imEndId()).isEqualTo(151645);
        assertThat(tokenizer.visionStartId()).isEqualTo(151652);
        assertThat(tokenizer.visionEndId()).isEqualTo(151653);
        assertThat(tokenizer.visionPadId()).isEqualTo(151654);
        assertThat(tokenizer.imagePadId()).isEqualTo(151655);
        assertThat(tokenizer.videoPadId()).isEqualTo(151656);
        tokenizer.checkAgainst(Qwen25VLConfig.fromJson(TestPaths.qwen25vl("config.json")));
        tokenizer.checkAgainst(Qwen25VLConfig.qwen25Vl7BInstruct());
    }

    @Test
    void aMissingTokenizerFileIsAClearError(@TempDir Path dir) {
        Path missing = dir.resolve("nope").resolve("tokenizer.json");
        assertThatThrownBy(() -> QwenTokenizer.load(missing))
                .isInstanceOf(IOException.class).hasMessageContaining("not found");
        // a model directory without tokenizer.json
        assertThatThrownBy(() -> QwenTokenizer.load(dir))
                .isInstanceOf(IOException.class).hasMessageContaining(dir.resolve("tokenizer.json").toString());
    }

    @Test
    void aModelDirectoryLoadsItsTokenizerJson(@TempDir Path dir) throws IOException {
        Files.copy(tokenizer.file(), dir.resolve("tokenizer.json"));
        try (QwenTokenizer t = QwenTokenizer.load(dir)) {
            assertThat(t.encode("Make the sky purple!")).isEqualTo(tokenizer.encode("Make the sky purple!"));
        }
    }

    @Test
    void aTokenizerWithoutQwenSpecialTokensIsRejected(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("tokenizer.json");
        Files.writeString(f, """
                {"version":"1.0","truncation":null,"padding":null,"added_tokens":[],"normalizer":null,
                 "pre_tokenizer":{"type":"Whitespace"},"post_processor":null,"decoder":null,
                 "model":{"type":"WordLevel","vocab":{"[UNK]":0,"a":1},"unk_token":"[UNK]"}}
                """);
        assertThatThrownBy(() -> QwenTokenizer.load(f))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("<|endoftext|>");
    }
}
