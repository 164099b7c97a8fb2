package dev.step1x.worker.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipInputStream;
import org.junit.jupiter.api.Test;

/**
 * The worker's Boot jar (built by the package phase, before the integration tests) ships the engine without its
 * tooling: no engine-tools jar in BOOT-INF/lib (the worker uses it in tests only), and the engine jar there holds
 * no command line, parity harness, benchmark, demo or random-weight model, safetensors writer or test tokenizer
 * lookup, nor any class that refers to one.
 */
class BootJarHasNoEngineToolingIT {

    /** A tooling class or resource, by its path (as a jar entry or a class file's constant pool spells it). */
    static final Pattern TOOLING = Pattern.compile("dev/step1x/engine/(?:(?:cli|parity|bench)/|demo/"
            + "|(?:[a-z0-9]+/)*(?:\\w*Parity|\\w*Bench|Demo\\w*|Random\\w*|SafetensorsWriter|TestTokenizer)\\b)");

    @Test
    void theBootJarShipsTheEngineWithoutItsTooling() throws IOException {
        Path bootJar = bootJar();
        List<String> libs = new ArrayList<>();
        List<String> found = new ArrayList<>();
        int engineClasses = 0;
        try (ZipFile boot = new ZipFile(bootJar.toFile())) {
            for (ZipEntry e : boot.stream().toList()) {
                if (e.getName().startsWith("BOOT-INF/lib/")) {
                    libs.add(e.getName().substring("BOOT-INF/lib/".length()));
                }
            }
            List<String> engineJars = libs.stream().filter(l -> l.matches("engine-\\d.*\\.jar")).toList();
            assertThat(engineJars).as("the engine jar in " + bootJar).hasSize(1);
            try (InputStream in = boot.getInputStream(boot.getEntry("BOOT-INF/lib/" + engineJars.get(0)));
                    ZipInputStream engine = new ZipInputStream(new ByteArrayInputStream(in.readAllBytes()))) {
                for (ZipEntry e; (e = engine.getNextEntry()) != null; ) {
                    if (TOOLING.matcher(e.getName()).find()) {
                        found.add(e.getName());
                    }
                    if (e.getName().endsWith(".class")) {
                        engineClasses++;
                        Matcher used = TOOLING.matcher(new String(engine.readAllBytes(), StandardCharsets.ISO_8859_1));
                        if (used.find()) {
                            found.add(e.getName() + " uses " + used.group());
                        }
                    }
                }
            }
        }
        assertThat(libs).as("BOOT-INF/lib of " + bootJar).noneMatch(l -> l.startsWith("engine-tools"));
        assertThat(engineClasses).isGreaterThan(100);
        assertThat(found).as("engine tooling in the worker's engine jar").isEmpty();
        assertThat(TOOLING.matcher("dev/step1x/engine/cli/Step1xEditCli.class").find()).isTrue();
        assertThat(TOOLING.matcher("Ldev/step1x/engine/pipeline/DemoModel;").find()).isTrue();
    }

    /** target/worker-app-*.jar (the repackaged one), from the module's directory or the repository root. */
    private static Path bootJar() throws IOException {
        for (Path target : List.of(Path.of("target"), Path.of("worker/app/target"))) {
            if (!Files.isDirectory(target)) {
                continue;
            }
            try (Stream<Path> files = Files.list(target)) {
                List<Path> jars = files.filter(p -> p.getFileName().toString().matches("worker-app-.*\\.jar")
                        && !p.getFileName().toString().matches(".*-(plain|sources|tests)\\.jar")).toList();
                if (jars.size() == 1) {
                    return jars.get(0);
                }
            }
        }
        throw new IllegalStateException("no worker-app-*.jar under target/: the package phase builds it before the"
                + " integration tests (mvn -pl worker/app -am verify)");
    }
}
