package dev.step1x.engine;

import dev.step1x.engine.parity.ParityPaths;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Files of the golden sets for tests, located by {@link ParityPaths}. A missing file fails the test:
 * the sets are part of the repository ({@code worker/engine/parity}).
 */
public final class TestPaths {

    private TestPaths() {}

    public static Path parityDir() {
        return ParityPaths.defaultParityDir();
    }

    /** A file of the Step1X-Edit parity set. */
    public static Path step1x(String file) {
        return existing(parityDir().resolve("step1x").resolve(file));
    }

    /** A file of the Qwen2.5-VL parity set. */
    public static Path qwen25vl(String file) {
        return existing(parityDir().resolve("qwen25vl").resolve(file));
    }

    private static Path existing(Path p) {
        if (!Files.isRegularFile(p)) {
            throw new IllegalStateException("parity file missing: " + p + " (set -Dstep1x.parity.dir or STEP1X_PARITY_DIR)");
        }
        return p;
    }
}
