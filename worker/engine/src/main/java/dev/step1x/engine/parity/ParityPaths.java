package dev.step1x.engine.parity;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where the golden sets are: {@code -Dstep1x.parity.dir}, else {@code STEP1X_PARITY_DIR}, else
 * {@code ../shared/parity} beside the repository root (found from {@code STEP1X_REPO_ROOT} or by
 * walking up from the working directory to the directory that holds {@code .ci/run}).
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
        return repoRoot().resolve("..").resolve("shared").resolve("parity").normalize();
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
