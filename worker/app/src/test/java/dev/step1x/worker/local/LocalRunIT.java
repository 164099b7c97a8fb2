package dev.step1x.worker.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bin/step1x-worker local} as a user runs it: the script, a fresh JVM, a real broker, S3Proxy and the
 * worker (the simulated engine, to stay quick; the demo model is exercised by EngineStartupIT). Checks the exit
 * codes, that the console holds only the command's own lines, that the logs went to worker.log, and the folder
 * with the images and index.html.
 */
class LocalRunIT {

    private static final Path REPO = findRepo();

    @TempDir
    Path tmp;

    record Outcome(int exit, String out, String err) {}

    private static Path findRepo() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.isRegularFile(p.resolve("bin/step1x-worker"))) {
            p = p.getParent();
        }
        if (p == null) {
            throw new IllegalStateException("bin/step1x-worker not found above " + Path.of("").toAbsolutePath());
        }
        return p;
    }

    private Outcome run(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(REPO.resolve("bin/step1x-worker").toString(), "local"));
        cmd.addAll(List.of(args));
        Path out = Files.createTempFile(tmp, "stdout", ".txt");
        Path err = Files.createTempFile(tmp, "stderr", ".txt");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile());
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        Process p = pb.start();
        if (!p.waitFor(5, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError("bin/step1x-worker local did not finish; stdout:\n" + Files.readString(out));
        }
        return new Outcome(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8));
    }

    @Test
    void oneSimulatedRequestLeavesImagesAPageAndALogAndAQuietConsole() throws Exception {
        Path dir = tmp.resolve("run");
        // a folder from an earlier run is cleared
        Files.createDirectories(dir.resolve("outputs"));
        Files.writeString(dir.resolve(LocalRun.MARKER), "");
        Files.writeString(dir.resolve("outputs/stale.png"), "old");

        Outcome o = run("--mode", "simulated", "--requests", "1", "--out", dir.toString());

        assertThat(o.exit()).as("stdout:%n%s%nstderr:%n%s", o.out(), o.err()).isZero();
        assertThat(dir.resolve("outputs/stale.png")).doesNotExist();
        Path input = dir.resolve("inputs/landscape.png");
        Path output = dir.resolve("outputs/local-0-en.png");
        assertThat(input).isRegularFile();
        assertThat(output).isRegularFile();
        BufferedImage in = ImageIO.read(input.toFile());
        BufferedImage edited = ImageIO.read(output.toFile());
        assertThat(edited.getWidth()).isEqualTo(in.getWidth());
        assertThat(edited.getHeight()).isEqualTo(in.getHeight());

        // console: the banner, one progress line, the table with both file paths, the page; nothing logged
        assertThat(o.out()).contains("== engine: SIMULATED engine", "[1/1] local-0-en", "requestId", "SUCCEEDED",
                input.toString(), output.toString(), "== page: " + dir.resolve("index.html"));
        assertThat(o.out()).doesNotContain("ProducerConfig values", "AdminClientConfig values", " INFO ", " WARN ",
                ":: Spring Boot ::", "Formatting metadata directory");
        assertThat(o.out().lines().count()).as(o.out()).isLessThan(15);
        assertThat(o.err()).doesNotContain("ProducerConfig values", " INFO ", " WARN ", ":: Spring Boot ::");

        String log = Files.readString(dir.resolve("worker.log"), StandardCharsets.UTF_8);
        assertThat(log).contains("ProducerConfig values", ":: Spring Boot ::", "Started WorkerApplication",
                "kafka.server", "Formatting metadata directory", "SIMULATED stand-in engine");

        String html = Files.readString(dir.resolve("index.html"), StandardCharsets.UTF_8);
        assertThat(html).contains("1 of 1 requests succeeded", "<img src=\"./inputs/landscape.png\"",
                "<img src=\"./outputs/local-0-en.png\"", "Make the sky a warm sunset orange",
                "<th>size level</th><td>512</td>", "<th>batch size</th><td>1 request(s)</td>", "<td>denoise (batch)</td>",
                "<div class=\"simulated\">");
    }

    @Test
    void aModelDirectoryThatDoesNotOpenIsReportedWithItsProblemsBeforeAnythingStarts() throws Exception {
        Path empty = Files.createDirectories(tmp.resolve("not-a-model"));
        Path dir = tmp.resolve("run-bad");
        Outcome o = run("--model", empty.toString(), "--requests", "1", "--out", dir.toString());
        assertThat(o.exit()).as(o.out() + o.err()).isEqualTo(2);
        assertThat(o.out()).contains("the model directory does not work: worker.engine.model-dir=" + empty
                + " does not open", "no DiT checkpoint", "vae.safetensors is missing")
                .doesNotContain("starting Kafka");
        assertThat(dir.resolve("worker.log")).exists();
    }

    @Test
    void usageErrorsExitWith2AndSayWhatIsWrong() throws Exception {
        Outcome zero = run("--mode", "simulated", "--requests", "0");
        assertThat(zero.exit()).isEqualTo(2);
        assertThat(zero.err()).contains("--requests must be 1 to 64, got 0", "usage: bin/step1x-worker local");

        Outcome notANumber = run("--requests", "many");
        assertThat(notANumber.exit()).isEqualTo(2);
        assertThat(notANumber.err()).contains("--requests", "many");

        Outcome missing = run("--model");
        assertThat(missing.exit()).isEqualTo(2);
        assertThat(missing.err()).contains("--model");

        Outcome both = run("--model", tmp.toString(), "--mode", "simulated");
        assertThat(both.exit()).isEqualTo(2);
        assertThat(both.err()).contains("--mode simulated and --model exclude each other");

        Outcome nowhere = run("--model", tmp.resolve("nowhere").toString());
        assertThat(nowhere.exit()).isEqualTo(2);
        assertThat(nowhere.err()).contains("not a directory");

        Path foreign = Files.createDirectories(tmp.resolve("foreign"));
        Files.writeString(foreign.resolve("keep.txt"), "mine");
        Outcome notOurs = run("--mode", "simulated", "--out", foreign.toString());
        assertThat(notOurs.exit()).isEqualTo(2);
        assertThat(notOurs.err()).contains("was not made by bin/step1x-worker local");
        assertThat(foreign.resolve("keep.txt")).hasContent("mine");

        Outcome help = run("--help");
        assertThat(help.exit()).isZero();
        assertThat(help.out()).contains("--model", "--qwen-dir", "--mode", "--requests", "--out", "Exit code");
    }
}
