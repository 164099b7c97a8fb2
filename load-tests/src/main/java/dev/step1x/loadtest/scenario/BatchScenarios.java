package dev.step1x.loadtest.scenario;

import dev.step1x.contracts.EditResult;
import dev.step1x.loadtest.check.CheckResult;
import dev.step1x.loadtest.check.ResultCollector;
import dev.step1x.loadtest.env.WorkerProcess;
import dev.step1x.loadtest.gen.Generator;
import dev.step1x.loadtest.gen.Profile;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Scenarios of long batches and of the group changing under load: batches much longer than the liveness window
 * (liveness follows denoising steps, not batch time), and workers joining and leaving while requests flow (queued
 * work of revoked partitions is dropped, not computed twice).
 */
final class BatchScenarios {

    static final String LONG_BATCH = "100-step 1024x1024 requests, batches of ~8 s on the simulated device with a 3 s "
            + "liveness window: liveness follows the steps, so no probe fails; rows capped by a 9 s time budget";
    static final String REBALANCE = "1 -> 3 -> 1 workers under steady load (two joins, two drains: four rebalances); "
            + "reports the share of rows computed twice";

    private BatchScenarios() {}

    // ------------------------------------------------------------------ long-batch

    /** Device time of one row per denoising step and megapixel: a 100-step 1024² row takes ~2.1 s. */
    static final Duration PER_STEP_MEGAPIXEL = Duration.ofMillis(20);
    static final Duration LIVENESS_WINDOW = Duration.ofSeconds(3);
    static final Duration TIME_BUDGET = Duration.ofSeconds(9);
    static final int CONFIGURED_ROWS = 8;

    static void longBatch(ScenarioContext ctx, ScenarioResult r) {
        Profile p = Profile.preset("square-1024").withSteps(100).withBadShare(0);
        try (LoadRun run = Scenarios.open(ctx, r, "longbatch", p, 4)) {
            WorkerProcess w = run.startWorker("w1", false, "worker.engine.simulated.base=20ms",
                    "worker.engine.simulated.per-row=0ms",
                    "worker.engine.simulated.per-step-megapixel=" + PER_STEP_MEGAPIXEL.toMillis() + "ms",
                    "worker.batching.max-batch-rows=" + CONFIGURED_ROWS,
                    "worker.batching.batch-time-budget=" + TIME_BUDGET.toSeconds() + "s",
                    "worker.lifecycle.liveness-stall-timeout=" + LIVENESS_WINDOW.toSeconds() + "s");
            r.device("simulated: 20 ms per batch + " + PER_STEP_MEGAPIXEL.toMillis()
                    + " ms per row, step and megapixel (a 100-step 1024² row ~2.1 s)");
            int n = (int) Math.round(Math.max(12, 16 * ctx.settings().scale()));
            LivenessWatch watch = LivenessWatch.start(w);
            CheckResult c;
            try {
                run.markLoadStart();
                run.generator().startOpenLoop(List.of(new Generator.Phase(0, n)));
                c = run.finish(r, Scenarios.settle(ctx));
            } finally {
                watch.stop();
            }
            Scenarios.common(r, r.stats(), Double.NaN);
            int maxRows = 0;
            for (ResultCollector.Received x : run.collector().results()) {
                if (x.result() != null && x.result().batch() != null) {
                    maxRows = Math.max(maxRows, x.result().batch().rows());
                }
            }
            // rows that fit: floor(budget / (20 ms x 100 steps x 1.048576 MP)), the stand-in's own cost
            double rowSeconds = PER_STEP_MEGAPIXEL.toNanos() / 1e9 * 100 * 1.048576;
            int fit = (int) Math.floor(TIME_BUDGET.toNanos() / 1e9 / rowSeconds);
            r.benchmark("requests", n);
            r.benchmark("livenessProbes", watch.probes);
            r.benchmark("livenessDown", watch.down);
            r.benchmark("livenessUnanswered", watch.unanswered);
            r.benchmark("longestBatchSecondsSeen", LoadRun.round(watch.maxBatchMs / 1000.0));
            r.benchmark("longestStallSecondsSeen", LoadRun.round(watch.maxStalledMs / 1000.0));
            r.benchmark("maxBatchRows", maxRows);
            r.criterion("liveness never failed", watch.probes > 0 && watch.down == 0, watch.down + " DOWN of "
                    + watch.probes + " probes (" + watch.unanswered + " unanswered)");
            r.criterion("batches outlasted the liveness window", watch.maxBatchMs > 2 * LIVENESS_WINDOW.toMillis(),
                    String.format(Locale.ROOT, "longest batch seen %.1f s, window %d s (measured from the batch's "
                            + "start, as before, every batch would have failed liveness)", watch.maxBatchMs / 1000.0,
                            LIVENESS_WINDOW.toSeconds()));
            r.criterion("rows capped by the time budget", maxRows == fit, String.format(Locale.ROOT,
                    "largest batch %d rows: %d configured, %d fit %d s at %.2f s per row", maxRows, CONFIGURED_ROWS,
                    fit, TIME_BUDGET.toSeconds(), rowSeconds));
            r.criterion("the worker was never restarted", w.isAlive(), w.isAlive() ? "alive, one process" : "exited");
            r.note(String.format(Locale.ROOT, "%d requests of 100 steps at 1024x1024; batches of up to %d rows "
                    + "(longest seen %.1f s) against a liveness window of %d s: %d liveness probes, %d DOWN; longest "
                    + "gap between two steps seen %.2f s; %d SUCCEEDED", n, maxRows, watch.maxBatchMs / 1000.0,
                    LIVENESS_WINDOW.toSeconds(), watch.probes, watch.down, watch.maxStalledMs / 1000.0,
                    c.succeeded()));
        }
    }

    /**
     * Probes a worker's liveness endpoint every 250 ms, as Kubernetes would (more often), and keeps the worst it saw:
     * DOWN answers, the longest batch and the longest stall the worker reported.
     */
    static final class LivenessWatch {
        private static final Pattern BATCH_MS = Pattern.compile("\"batchMs\"\\s*:\\s*(\\d+)");
        private static final Pattern STALLED_MS = Pattern.compile("\"stalledMs\"\\s*:\\s*(\\d+)");

        private final WorkerProcess worker;
        private final Thread thread;
        private volatile boolean stopped;
        volatile int probes;
        volatile int down;
        volatile int unanswered;
        volatile long maxBatchMs;
        volatile long maxStalledMs;

        private LivenessWatch(WorkerProcess worker) {
            this.worker = worker;
            this.thread = new Thread(this::loop, "liveness-watch-" + worker.id());
            thread.setDaemon(true);
        }

        static LivenessWatch start(WorkerProcess worker) {
            LivenessWatch w = new LivenessWatch(worker);
            w.thread.start();
            return w;
        }

        private void loop() {
            while (!stopped && worker.isAlive()) {
                Optional<HttpResponse<String>> res = worker.liveness();
                if (res.isEmpty()) {
                    unanswered++;
                } else {
                    probes++;
                    if (res.get().statusCode() != 200) {
                        down++;
                    }
                    maxBatchMs = Math.max(maxBatchMs, number(BATCH_MS, res.get().body()));
                    maxStalledMs = Math.max(maxStalledMs, number(STALLED_MS, res.get().body()));
                }
                try {
                    Thread.sleep(250);
                } catch (InterruptedException e) {
                    return; // stopped
                }
            }
        }

        private static long number(Pattern p, String body) {
            Matcher m = p.matcher(body);
            return m.find() ? Long.parseLong(m.group(1)) : 0;
        }

        void stop() {
            stopped = true;
            thread.interrupt();
        }
    }

    // ------------------------------------------------------------------ rebalance-under-load

    /** The worker's counter of queued requests of revoked partitions it gave up unrun. */
    static final String REVOKED_DROPPED = "step1x_inference_revoked_dropped_total";

    static void rebalance(ScenarioContext ctx, ScenarioResult r) {
        Profile p = Scenarios.profile(ctx);
        // six partitions: three workers get two each
        try (LoadRun run = Scenarios.open(ctx, r, "rebalance", p, 6)) {
            run.startWorker("w1", false);
            double rate = Scenarios.rate(run, ctx, Scenarios.LOAD);
            double upAt = ctx.settings().seconds(8, 5);
            double threeFor = ctx.settings().seconds(12, 8);
            double oneFor = ctx.settings().seconds(15, 10);
            run.markLoadStart();
            // paced until the end of the timeline, however long the worker starts and drains take on this machine
            PacedLoad load = PacedLoad.start(run, rate);
            run.sleepUntil(upAt);
            run.event("scale out: starting w2 and w3");
            WorkerProcess w2 = run.startWorker("w2", false);
            WorkerProcess w3 = run.startWorker("w3", false);
            run.sleepUntil(run.t() + threeFor);
            Map<String, Double> dropped = new java.util.TreeMap<>();
            List<String> exits = new ArrayList<>();
            for (WorkerProcess w : List.of(w3, w2)) {
                dropped.put(w.id(), w.metric(REVOKED_DROPPED).orElse(0));
                w.sigterm();
                run.event("scale in: SIGTERM " + w.id());
                Optional<Integer> rc = w.waitExit(LoadRun.DRAIN_GRACE.plusSeconds(20));
                exits.add(w.id() + " exit " + rc.map(String::valueOf).orElse("none"));
                run.event(w.id() + " exited " + rc.map(String::valueOf).orElse("(still running)"));
            }
            run.sleepUntil(run.t() + oneFor);
            load.stop();
            run.event("load stopped (" + load.sent + " sent)");
            CheckResult c = run.finish(r, Scenarios.settle(ctx));
            dropped.put("w1", run.worker("w1").metric(REVOKED_DROPPED).orElse(0));
            Scenarios.common(r, r.stats(), rate);
            Rework rework = Rework.of(run.collector().results());
            Map<String, Long> byWorker = Scenarios.byWorker(run.collector());
            double droppedTotal = dropped.values().stream().mapToDouble(Double::doubleValue).sum();
            r.benchmark("rowsComputed", rework.rows());
            r.benchmark("rowsComputedTwice", rework.twice());
            r.benchmark("shareComputedTwice", Math.round(rework.share() * 10_000) / 10_000.0);
            r.benchmark("queuedDroppedOnRevoke", dropped);
            r.criterion("three workers served", byWorker.size() == 3, "first answers by worker " + byWorker);
            r.criterion("both drains exited 0", exits.stream().allMatch(e -> e.endsWith("exit 0")),
                    String.join(", ", exits));
            r.criterion("the work done twice was measured", rework.rows() > 0, rework.rows() + " rows computed, "
                    + rework.twice() + " of them for a request computed elsewhere too");
            r.note(String.format(Locale.ROOT, "1 -> 3 -> 1 workers at %.2f requests/s (%d sent): %d rows computed, "
                    + "%d of them a second computation of a request (%.2f %%); queued requests of revoked "
                    + "partitions given up unrun: %.0f (by worker, w2/w3 counted before their own drain: %s); "
                    + "redelivered %d identical re-publications; %d answered from an existing output object",
                    rate, c.sent(), rework.rows(), rework.twice(), rework.share() * 100, droppedTotal, dropped,
                    c.redelivered(), c.answeredFromExisting()));
        }
    }

    /** An open loop at a fixed rate, on a daemon thread, until stopped (the scenario's timeline decides its end). */
    static final class PacedLoad {
        private final LoadRun run;
        private final double rate;
        private final Thread thread;
        private volatile boolean stopped;
        volatile int sent;

        private PacedLoad(LoadRun run, double rate) {
            this.run = run;
            this.rate = rate;
            this.thread = new Thread(this::loop, "paced-load");
            thread.setDaemon(true);
        }

        static PacedLoad start(LoadRun run, double rate) {
            PacedLoad p = new PacedLoad(run, rate);
            p.thread.start();
            return p;
        }

        private void loop() {
            long t0 = System.nanoTime();
            long epoch0 = System.currentTimeMillis();
            double gapNanos = 1e9 / rate;
            for (int i = 0; !stopped; i++) {
                long due = t0 + (long) (i * gapNanos);
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    java.util.concurrent.locks.LockSupport.parkNanos(wait);
                    if (stopped) {
                        return;
                    }
                }
                run.generator().send(run.factory().next(), epoch0 + (long) (i * gapNanos / 1e6));
                sent++;
            }
        }

        void stop() {
            stopped = true;
            try {
                thread.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * Rows computed, from the results: a SUCCEEDED result with batch details was computed by the worker that
     * published it (one answered from an existing output object has none). Distinct result records of one request
     * are distinct computations: a re-publication of a remembered result repeats the same bytes, a second computation
     * (another worker, another time) never does.
     *
     * @param rows computations
     * @param twice computations beyond the first of their request
     */
    record Rework(int rows, int twice) {

        static Rework of(List<ResultCollector.Received> results) {
            Map<String, Set<String>> computed = new HashMap<>();
            for (ResultCollector.Received x : results) {
                EditResult e = x.result();
                if (e != null && e.isSucceeded() && e.batch() != null) {
                    computed.computeIfAbsent(e.requestId(), k -> new HashSet<>())
                            .add(java.util.Base64.getEncoder().encodeToString(x.value()));
                }
            }
            int rows = 0;
            int twice = 0;
            for (Set<String> runs : computed.values()) {
                rows += runs.size();
                twice += runs.size() - 1;
            }
            return new Rework(rows, twice);
        }

        double share() {
            return rows == 0 ? 0 : (double) twice / rows;
        }
    }
}
