package dev.step1x.loadtest.env;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/** Where the pieces the runner starts live: the repository, the worker's Boot jar, S3Proxy, the Kafka jars. */
public final class Classpaths {

    private Classpaths() {}

    /** The repository root: {@code -Dstep1x.repo}, else the first parent of the working directory with load-tests/. */
    public static Path repo() {
        String p = System.getProperty("step1x.repo");
        if (p != null && !p.isBlank()) {
            return Path.of(p).toAbsolutePath().normalize();
        }
        Path d = Path.of("").toAbsolutePath();
        for (Path x = d; x != null; x = x.getParent()) {
            if (Files.isDirectory(x.resolve("load-tests")) && Files.isDirectory(x.resolve("worker"))) {
                return x;
            }
        }
        return d;
    }

    /**
     * The classpath for the broker's child JVM (the Kafka server jars and this module's logback.xml): the
     * file {@code -Dstep1x.classpath.file} (written by the build) plus this module's classes, else this
     * JVM's own class path.
     */
    public static String runtime() {
        String file = System.getProperty("step1x.classpath.file");
        Path f = file != null ? Path.of(file) : repo().resolve("load-tests/target/classpath.txt");
        if (Files.isRegularFile(f)) {
            try {
                return ownLocation() + File.pathSeparator + Files.readString(f).trim();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return System.getProperty("java.class.path");
    }

    private static String ownLocation() {
        try {
            return Path.of(Classpaths.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        } catch (URISyntaxException | RuntimeException e) {
            return repo().resolve("load-tests/target/classes").toString();
        }
    }

    /**
     * How to start a worker JVM: the arguments after the JVM options. By default the worker's classes and
     * the classpath file its build writes ({@code worker/app/target/classes} + {@code test-classpath.txt},
     * as {@code bin/step1x-worker local} does), which starts about 3 s faster on two cores than the Boot jar;
     * else, or with {@code -Dstep1x.worker.launch=jar} or {@code -Dstep1x.worker.jar=FILE}, the Boot jar
     * (as {@code bin/step1x-worker run}).
     */
    public static List<String> workerLaunch() {
        Path target = repo().resolve("worker/app/target");
        Path classes = target.resolve("classes");
        Path cpFile = target.resolve("test-classpath.txt");
        boolean jarWanted = "jar".equals(System.getProperty("step1x.worker.launch"))
                || System.getProperty("step1x.worker.jar") != null;
        if (!jarWanted && Files.isDirectory(classes.resolve("dev/step1x/worker")) && Files.isRegularFile(cpFile)) {
            try {
                return List.of("-cp", classes + File.pathSeparator + Files.readString(cpFile).trim(),
                        "dev.step1x.worker.WorkerApplication");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return List.of("-jar", workerJar().toString());
    }

    /** The worker's Spring Boot jar: {@code -Dstep1x.worker.jar}, else worker/app/target/worker-app-*.jar. */
    public static Path workerJar() {
        String p = System.getProperty("step1x.worker.jar");
        if (p != null && !p.isBlank() && Files.isRegularFile(Path.of(p))) {
            return Path.of(p);
        }
        Path target = repo().resolve("worker/app/target");
        File[] jars = target.toFile().listFiles((dir, name) -> name.startsWith("worker-app-") && name.endsWith(".jar")
                && !name.endsWith("-sources.jar") && !name.endsWith("-tests.jar"));
        if (jars != null && jars.length > 0) {
            return Arrays.stream(jars).map(File::toPath).sorted().findFirst().orElseThrow();
        }
        throw new IllegalStateException("the worker jar is missing (" + target
                + "/worker-app-*.jar); build it with: mvn -B -q -DskipTests install");
    }

    /** The S3Proxy fat jar: {@code -Ds3proxy.jar}, else load-tests/target/s3proxy/s3proxy.jar (or worker/app's copy). */
    public static Path s3proxyJar() {
        String p = System.getProperty("s3proxy.jar");
        if (p != null && Files.isRegularFile(Path.of(p))) {
            return Path.of(p);
        }
        for (String rel : new String[] {"load-tests/target/s3proxy/s3proxy.jar", "worker/app/target/s3proxy/s3proxy.jar"}) {
            Path j = repo().resolve(rel);
            if (Files.isRegularFile(j)) {
                return j;
            }
        }
        throw new IllegalStateException("s3proxy.jar is missing; build with: mvn -B -q -pl load-tests -DskipTests package");
    }
}
