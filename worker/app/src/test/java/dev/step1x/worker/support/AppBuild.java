package dev.step1x.worker.support;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where worker/app's build output is: {@code -Dworker.app.target}, else {@code target} when the tests run in
 * worker/app, else {@code worker/app/target} from the repository root. Child JVMs (S3Proxy, the secured broker, a
 * worker) start from what the build left there.
 */
public final class AppBuild {

    private AppBuild() {}

    public static Path target() {
        String prop = System.getProperty("worker.app.target");
        if (prop != null && !prop.isBlank()) {
            return Path.of(prop).toAbsolutePath().normalize();
        }
        Path here = Path.of("target");
        if (Files.isDirectory(here.resolve("classes/dev/step1x/worker"))) {
            return here.toAbsolutePath();
        }
        return Path.of("worker/app/target").toAbsolutePath();
    }

    /**
     * The worker's classes, its test classes and its test classpath (target/test-classpath.txt, written by the
     * build), for a child JVM.
     */
    public static String classpath() throws java.io.IOException {
        Path t = target();
        Path file = t.resolve("test-classpath.txt");
        if (!Files.isRegularFile(file)) {
            throw new IllegalStateException(file + " is missing; build with mvn -pl worker/app -am package");
        }
        String sep = java.io.File.pathSeparator;
        return t.resolve("classes") + sep + t.resolve("test-classes") + sep + Files.readString(file).trim();
    }
}
