package dev.step1x.engine.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The engine's own offline settings, in fresh JVMs with none of DJL's variables set: no network
 * access is attempted when the natives are there, nor when they are missing (then a clear error).
 */
class OfflineBootstrapIT {

    @TempDir
    Path tmp;

    private record Run(int exit, String out) {}

    private static String testClasspath() {
        String cp = System.getProperty("surefire.test.class.path");
        return cp != null ? cp : System.getProperty("java.class.path");
    }

    private Run probe(String classpath, Path cacheDir) throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java, "--enable-native-access=ALL-UNNAMED", "-cp", classpath,
                OfflineProbe.class.getName()));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        Map<String, String> env = pb.environment();
        env.keySet().removeIf(k -> k.startsWith("DJL_") || k.startsWith("PYTORCH_") || k.equals("OPT_OUT_TRACKING")
                || k.equals("ENGINE_CACHE_DIR"));
        env.put("DJL_CACHE_DIR", cacheDir.toString());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("probe finished").isTrue();
        return new Run(p.exitValue(), out);
    }

    @Test
    void enginesStartsWithoutAnyNetworkAccess() throws Exception {
        // A fresh cache: the natives are extracted from the Maven jar, not downloaded.
        Run r = probe(testClasspath(), tmp.resolve("djl-cache"));
        assertThat(r.out()).contains("SUM=45.0").contains("NETWORK_ATTEMPTS=0 []");
        assertThat(r.exit()).as(r.out()).isZero();
    }

    @Test
    void missingNativesGiveAClearErrorAndNoDownload() throws Exception {
        String withoutNatives = Arrays.stream(testClasspath().split(File.pathSeparator))
                .filter(e -> !e.contains("pytorch-native-"))
                .collect(Collectors.joining(File.pathSeparator));
        assertThat(withoutNatives).doesNotContain("pytorch-native-").contains("pytorch-engine");
        Run r = probe(withoutNatives, tmp.resolve("empty-cache"));
        assertThat(r.exit()).as(r.out()).isEqualTo(3);
        assertThat(r.out())
                .contains("UNAVAILABLE=The PyTorch engine could not start")
                .contains(EngineBuildInfo.current().nativeCoordinates())
                .contains("PYTORCH_LIBRARY_PATH")
                .contains("NETWORK_ATTEMPTS=0 []");
    }
}
