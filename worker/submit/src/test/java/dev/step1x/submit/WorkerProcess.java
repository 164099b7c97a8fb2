package dev.step1x.submit;

import dev.step1x.worker.support.AppBuild;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real worker ({@code dev.step1x.worker.WorkerApplication}) in a child JVM, started from worker/app's build output
 * as {@code bin/step1x-worker local} starts it; ready once its readiness probe says UP. Its log goes to a file that
 * a failure quotes.
 */
final class WorkerProcess implements AutoCloseable {

    private final Process process;
    private final Path log;

    private WorkerProcess(Process process, Path log) {
        this.process = process;
        this.log = log;
    }

    /**
     * Starts a worker with the given properties (without the leading "--"; a server.port among them is replaced)
     * and waits until it is ready.
     */
    static WorkerProcess start(String name, List<String> properties) {
        try {
            int port = freePort();
            Path log = Files.createTempFile(name + "-", ".log");
            List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx512m", "-XX:TieredStopAtLevel=1", "-Djava.awt.headless=true", "-cp", AppBuild.classpath(),
                    "dev.step1x.worker.WorkerApplication", "--server.port=" + port));
            // the port is this class's (to ask for readiness), whatever the properties say
            properties.stream().filter(p -> !p.startsWith("server.port=")).forEach(p -> cmd.add("--" + p));
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
            pb.environment().put("AWS_EC2_METADATA_DISABLED", "true");
            WorkerProcess w = new WorkerProcess(pb.start(), log);
            w.awaitReady(port, Duration.ofSeconds(180));
            return w;
        } catch (IOException e) {
            throw new IllegalStateException("cannot start a worker: " + e, e);
        }
    }

    private void awaitReady(int port, Duration timeout) throws IOException {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        URI readiness = URI.create("http://127.0.0.1:" + port + "/actuator/health/readiness");
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("the worker exited (" + process.exitValue() + "): " + tail());
            }
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(readiness).timeout(Duration.ofSeconds(2))
                        .build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            sleep(250);
        }
        close();
        throw new IllegalStateException("the worker was not ready within " + timeout + ": " + tail());
    }

    private String tail() throws IOException {
        List<String> lines = Files.readAllLines(log);
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** SIGTERM (the worker drains), then SIGKILL after 30 s. */
    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
