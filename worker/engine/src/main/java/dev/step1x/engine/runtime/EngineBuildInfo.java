package dev.step1x.engine.runtime;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/** Versions this engine build was compiled against (from Maven, so the cuda profile reports its own). */
public record EngineBuildInfo(String engineVersion, String djlVersion, String pytorchVersion,
        String nativeArtifact, String nativeClassifier) {

    private static final EngineBuildInfo CURRENT = load();

    public static EngineBuildInfo current() {
        return CURRENT;
    }

    /** The Maven coordinates of the libtorch natives this build expects. */
    public String nativeCoordinates() {
        return "ai.djl.pytorch:" + nativeArtifact + ":" + pytorchVersion + ":" + nativeClassifier;
    }

    private static EngineBuildInfo load() {
        Properties p = new Properties();
        try (InputStream in = EngineBuildInfo.class.getResourceAsStream("/dev/step1x/engine/engine-build.properties")) {
            if (in == null) {
                throw new IllegalStateException("engine-build.properties missing from the engine jar");
            }
            p.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new EngineBuildInfo(p.getProperty("engine.version"), p.getProperty("djl.version"),
                p.getProperty("pytorch.version"), p.getProperty("pytorch.native.artifact"),
                p.getProperty("pytorch.native.classifier"));
    }
}
