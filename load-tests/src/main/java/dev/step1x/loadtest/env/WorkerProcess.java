package dev.step1x.loadtest.env;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One worker ({@code dev.step1x.worker.WorkerApplication}) in its own JVM ({@link Classpaths#workerLaunch()}),
 * so that it can really be killed: {@link #sigterm()} (graceful drain, must exit 0) and {@link #sigkill()}.
 */
public final class WorkerProcess {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();

    private final String id;
    private final int httpPort;
    private final ChildJvm jvm;
    private final long startNanos = System.nanoTime();
    private volatile long readyNanos;

    private WorkerProcess(String id, int httpPort, ChildJvm jvm) {
        this.id = id;
        this.httpPort = httpPort;
        this.jvm = jvm;
    }

    /**
     * Starts a worker with the given Spring properties ({@code name=value}; passed as command-line arguments,
     * so they win over the jar's application.properties) and JVM options.
     */
    public static WorkerProcess start(String id, List<String> properties, List<String> jvmOptions, Path logDir) {
        int port = ChildJvm.freePort();
        List<String> jvm = new ArrayList<>(List.of("--enable-native-access=ALL-UNNAMED", "-Djava.awt.headless=true"));
        jvm.addAll(jvmOptions);
        List<String> args = new ArrayList<>(Classpaths.workerLaunch());
        args.add("--worker.id=" + id);
        args.add("--server.port=" + port);
        properties.forEach(p -> args.add("--" + p));
        Map<String, String> env = Map.of(
                "AWS_EC2_METADATA_DISABLED", "true",
                // as bin/step1x-worker: libtorch's large CPU tensors stay in the heap on huge pages
                "GLIBC_TUNABLES", "glibc.malloc.hugetlb=1:glibc.malloc.mmap_threshold=4294967296:"
                        + "glibc.malloc.trim_threshold=4294967296");
        ChildJvm child = ChildJvm.start("worker " + id, jvm, args, logDir.resolve("worker-" + id + ".log"), env);
        return new WorkerProcess(id, port, child);
    }

    public String id() {
        return id;
    }

    public long pid() {
        return jvm.pid();
    }

    public Path log() {
        return jvm.log();
    }

    public boolean isAlive() {
        return jvm.isAlive();
    }

    /** Waits until /actuator/health/readiness says UP (engine open, warm-up batch done, consuming). */
    public void awaitReady(Duration timeout) {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/actuator/health/readiness"))
                .timeout(Duration.ofSeconds(2)).GET().build();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!jvm.isAlive()) {
                throw new IllegalStateException("worker " + id + " exited during start-up:\n" + jvm.tail(60));
            }
            try {
                HttpResponse<String> r = http.send(req, HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200 && r.body().contains("\"UP\"")) {
                    readyNanos = System.nanoTime();
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            ChildJvm.sleep(250);
        }
        throw new IllegalStateException("worker " + id + " not ready within " + timeout + ":\n" + jvm.tail(60));
    }

    /**
     * One scrape of the worker's Prometheus endpoint: the engine's cumulative compute time (the timer
     * {@code step1x.inference.stage.duration{stage="compute"}}, seconds) and the batcher's queue depth
     * ({@code step1x.inference.pending.request.count}); empty if the worker does not answer.
     */
    public Optional<DeviceSample> scrape() {
        HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/actuator/prometheus"))
                .timeout(Duration.ofSeconds(2)).GET().build();
        try {
            HttpResponse<String> r = HTTP.send(req, HttpResponse.BodyHandlers.ofString());
            long at = System.currentTimeMillis();
            if (r.statusCode() != 200) {
                return Optional.empty();
            }
            double compute = 0;
            double batches = 0;
            double pending = 0;
            for (String line : r.body().split("\n")) {
                if (line.startsWith("step1x_inference_stage_duration_seconds_sum{") && line.contains("stage=\"compute\"")) {
                    compute = value(line);
                } else if (line.startsWith("step1x_inference_stage_duration_seconds_count{")
                        && line.contains("stage=\"compute\"")) {
                    batches = value(line);
                } else if (line.startsWith("step1x_inference_pending_request_count")) {
                    pending = value(line);
                }
            }
            return Optional.of(new DeviceSample(id, at, compute, (long) batches, (long) pending));
        } catch (IOException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    /**
     * The worker's CPU seconds so far by part of the request path (the function counter
     * {@code step1x.worker.cpu{part}}: decode, resize, encode, hash, json, s3, kafka); empty if it does not answer.
     */
    public Optional<java.util.Map<String, Double>> cpuParts() {
        HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/actuator/prometheus"))
                .timeout(Duration.ofSeconds(2)).GET().build();
        try {
            HttpResponse<String> r = HTTP.send(req, HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                return Optional.empty();
            }
            java.util.Map<String, Double> parts = new java.util.TreeMap<>();
            java.util.regex.Pattern part = java.util.regex.Pattern.compile("part=\"([a-z0-9]+)\"");
            for (String line : r.body().split("\n")) {
                if (line.startsWith("step1x_worker_cpu_seconds_total{")) {
                    java.util.regex.Matcher m = part.matcher(line);
                    if (m.find()) {
                        parts.put(m.group(1), value(line));
                    }
                }
            }
            return Optional.of(parts);
        } catch (IOException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    /**
     * One look at {@code /actuator/health/liveness}, as a Kubernetes liveness probe takes it: the HTTP status (200 UP,
     * 503 DOWN) and the body (the inference loop's details); empty if the worker does not answer in time.
     */
    public Optional<HttpResponse<String>> liveness() {
        HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/actuator/health/liveness"))
                .timeout(Duration.ofSeconds(2)).GET().build();
        try {
            return Optional.of(HTTP.send(req, HttpResponse.BodyHandlers.ofString()));
        } catch (IOException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    /** The value of a Prometheus metric without labels (e.g. {@code step1x_worker_in_flight}), or empty. */
    public java.util.OptionalDouble metric(String name) {
        HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/actuator/prometheus"))
                .timeout(Duration.ofSeconds(2)).GET().build();
        try {
            HttpResponse<String> r = HTTP.send(req, HttpResponse.BodyHandlers.ofString());
            for (String line : r.body().split("\n")) {
                if (line.startsWith(name + " ") || line.startsWith(name + "{")) {
                    return java.util.OptionalDouble.of(value(line));
                }
            }
        } catch (IOException e) {
            // not answering: empty
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return java.util.OptionalDouble.empty();
    }

    /**
     * Every series of a Prometheus metric (e.g. {@code step1x_publish_retries_total}): its label set as written
     * ({@code {kind="result",...}}, empty without labels) to its value; empty if the worker does not answer.
     */
    public java.util.Map<String, Double> series(String name) {
        HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/actuator/prometheus"))
                .timeout(Duration.ofSeconds(2)).GET().build();
        java.util.Map<String, Double> out = new java.util.TreeMap<>();
        try {
            HttpResponse<String> r = HTTP.send(req, HttpResponse.BodyHandlers.ofString());
            for (String line : r.body().split("\n")) {
                if (line.startsWith(name + " ") || line.startsWith(name + "{")) {
                    int end = line.lastIndexOf(' ');
                    out.put(line.substring(name.length(), end).trim(), value(line));
                }
            }
        } catch (IOException e) {
            // not answering: empty
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return out;
    }

    private static double value(String line) {
        String[] p = line.trim().split("\\s+");
        return Double.parseDouble(p[p.length - 1]);
    }

    /**
     * A scrape: cumulative engine compute seconds and batches, and the queue depth, at {@code epochMs}.
     *
     * @param workerId       the worker
     * @param epochMs        when it was taken
     * @param computeSeconds engine busy time since start (sum of batch durations)
     * @param batches        engine batches since start
     * @param queued         requests waiting for a batch
     */
    public record DeviceSample(String workerId, long epochMs, double computeSeconds, long batches, long queued) {}

    /** Seconds from process start to ready (0 before). */
    public double startSeconds() {
        return readyNanos == 0 ? 0 : (readyNanos - startNanos) / 1e9;
    }

    /** SIGTERM: the worker drains and should exit 0 within its drain grace. */
    public void sigterm() {
        jvm.terminate();
    }

    /** SIGKILL: no drain, no commit, no leave-group. */
    public void sigkill() {
        jvm.kill();
    }

    public Optional<Integer> waitExit(Duration timeout) {
        return jvm.waitFor(timeout);
    }

    /** CPU time of the worker JVM so far (all threads). */
    public Optional<Duration> cpuTime() {
        return jvm.cpuTime();
    }

    /** Stops it at the end of a run (SIGTERM, SIGKILL after 30 s). */
    public void stop() {
        jvm.stop(Duration.ofSeconds(30));
    }

    public String tail(int lines) {
        return jvm.tail(lines);
    }
}
