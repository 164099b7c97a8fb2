package dev.step1x.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The engine's main classes (what the worker ships) hold no tooling and refer to none: the command line, the
 * parity harness and its components, benchmarks, demo and random-weight models, the safetensors writer and the
 * test tokenizer lookup all live in worker/engine-tools. Scans the compiled classes (the directory or jar the
 * engine's classes are loaded from): every file's path, and every class file's constant pool, where the names of
 * the classes it uses are stored.
 */
class EngineHasNoToolingTest {

    /** A tooling class, by its binary name (as a class file's path or a constant-pool entry spells it). */
    static final Pattern TOOLING = Pattern.compile("dev/step1x/engine/(?:(?:cli|parity|bench)/|demo/"
            + "|(?:[a-z0-9]+/)*(?:\\w*Parity|\\w*Bench|Demo\\w*|Random\\w*|SafetensorsWriter|TestTokenizer)\\b)"
            + "|picocli/");

    @Test
    void theEngineClassesHoldAndUseNoTooling() throws Exception {
        Path classes = engineClasses();
        List<String> found = new ArrayList<>();
        int classFiles = 0;
        try (FileSystem jar = Files.isDirectory(classes) ? null : FileSystems.newFileSystem(classes);
                Stream<Path> files = Files.walk(jar == null ? classes : jar.getPath("/"))) {
            Path root = jar == null ? classes : jar.getPath("/");
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                String path = root.relativize(f).toString().replace('\\', '/');
                if (TOOLING.matcher(path).find()) {
                    found.add(path);
                }
                if (path.endsWith(".class")) {
                    classFiles++;
                    String used = firstTooling(Files.readAllBytes(f));
                    if (used != null) {
                        found.add(path + " uses " + used);
                    }
                }
            }
        }
        assertThat(classFiles).as("class files under " + classes).isGreaterThan(100);
        assertThat(found).as("tooling in the engine's main classes (" + classes + "); it belongs in worker/engine-tools")
                .isEmpty();
    }

    @Test
    void theScanRecognisesTooling() {
        for (String tool : List.of("dev/step1x/engine/cli/Step1xEditCli.class", "dev/step1x/engine/parity/ParityPaths",
                "dev/step1x/engine/dit/DitForwardParity.class", "dev/step1x/engine/nn/fused/FusedOpsBench",
                "dev/step1x/engine/pipeline/DemoModel", "dev/step1x/engine/nn/RandomParams",
                "dev/step1x/engine/weights/SafetensorsWriter", "dev/step1x/engine/tokenizer/TestTokenizer",
                "dev/step1x/engine/demo/dit_config.json", "picocli/CommandLine")) {
            assertThat(TOOLING.matcher(tool).find()).as(tool).isTrue();
        }
        for (String engine : List.of("dev/step1x/engine/Tap.class", "dev/step1x/engine/dit/Step1XEdit",
                "dev/step1x/engine/lora/RowAdapters", "dev/step1x/engine/pipeline/SizingTable",
                "dev/step1x/engine/conditioner/Step1XEmbedder", "java/util/SplittableRandom")) {
            assertThat(TOOLING.matcher(engine).find()).as(engine).isFalse();
        }
        // a class file's constant pool names the classes it uses: "Ldev/step1x/engine/parity/ParityPaths;"
        byte[] uses = "\u0001\u0000\u0026Ldev/step1x/engine/parity/ParityPaths;".getBytes(StandardCharsets.ISO_8859_1);
        assertThat(firstTooling(uses)).isEqualTo("dev/step1x/engine/parity/");
    }

    /** The first tooling name in a class file's bytes, or null. */
    private static String firstTooling(byte[] classFile) {
        Matcher m = TOOLING.matcher(new String(classFile, StandardCharsets.ISO_8859_1));
        return m.find() ? m.group() : null;
    }

    /** Where the engine's main classes are loaded from: target/classes in the build, or the engine jar. */
    private static Path engineClasses() throws URISyntaxException, IOException {
        Path p = Path.of(Tap.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        if (!Files.exists(p)) {
            throw new IOException("the engine's classes are not at " + p);
        }
        return p;
    }
}
