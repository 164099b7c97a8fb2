package dev.step1x.engine.parity;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where the golden sets are: {@code -Dstep1x.parity.dir}, else {@code STEP1X_PARITY_DIR}, else the
 * repository's own copy in {@code worker/engine/parity} (the repository root is found from
 * {@code STEP1X_REPO_ROOT} or by walking up from the working directory to the directory that holds
 * {@code .ci/run}). The sets live outside {@code src/} so that no build copies them again.
 */
public final class ParityPaths {

    private ParityPaths() {}

    public static Path defaultParityDir() {
        String prop = System.getProperty("step1x.parity.dir");
        if (prop != null && !prop.isBlank()) {
            return Path.of(prop);
        }
        String env = System.getenv("STEP1X_PARITY_DIR");
        if (env != null && !env.isBlank()) {
            return Path.of(env);
        }
        return repoRoot().resolve("worker").resolve("engine").resolve("parity");
    }

    /** The benchmark configurations ({@code worker/engine-tools/bench/configs.json}). */
    public static Path defaultBenchConfigs() {
        return repoRoot().resolve("worker").resolve("engine-tools").resolve("bench").resolve("configs.json");
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
        throw new IllegalStateException("cannot find the repository root (a directory with .ci/run) above " + start
                + "; pass --dir or set STEP1X_PARITY_DIR");
    }
}
