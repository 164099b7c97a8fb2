package dev.step1x.engine.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where the tests, the parity checks and the demo model find the Qwen tokenizer, and the error when it is missing. */
class TestTokenizerTest {

    @Test
    void theSystemPropertyChoosesTheTokenizer(@TempDir Path dir) {
        Path installed = TestTokenizer.path();
        String old = System.getProperty(TestTokenizer.PROPERTY);
        try {
            System.setProperty(TestTokenizer.PROPERTY, installed.toString());
            assertThat(TestTokenizer.path()).isEqualTo(installed);
            System.setProperty(TestTokenizer.PROPERTY, dir.resolve("missing.json").toString());
            assertThatThrownBy(TestTokenizer::path)
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("-Dstep1x.qwen.tokenizer")
                    .hasMessageContaining("Run bin/fetch-qwen-tokenizer");
        } finally {
            if (old == null) {
                System.clearProperty(TestTokenizer.PROPERTY);
            } else {
                System.setProperty(TestTokenizer.PROPERTY, old);
            }
        }
    }

    @Test
    void aMissingTokenizerNamesTheFetchScript(@TempDir Path dir) {
        Path missing = dir.resolve("nope").resolve("tokenizer.json");
        assertThatThrownBy(() -> TestTokenizer.require(missing, "-Dstep1x.qwen.tokenizer"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("bin/fetch-qwen-tokenizer")
                .hasMessageContaining(missing.toString());
    }
}
