package dev.step1x.loadtest.scenario;

import dev.step1x.contracts.ResultStatus;
import dev.step1x.loadtest.check.CheckResult;
import dev.step1x.loadtest.check.ResultCollector;
import dev.step1x.loadtest.env.WorkerProcess;
import dev.step1x.loadtest.gen.BadKind;
import dev.step1x.loadtest.gen.Generator;
import dev.step1x.loadtest.gen.Profile;
import dev.step1x.loadtest.gen.SentRequest;
import dev.step1x.loadtest.report.RunStats;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The scenarios. Each is runnable alone, bounded in time (durations scale with {@link Settings#scale()}),
 * and ends with the checker's verdict plus its own criteria. Load scenarios offer a fixed fraction of one
 * worker's batch-size-1 capacity ({@link DeviceModel#capacity(int)}), so "back to steady level" is well
 * defined: after a fault the answers per second must return to the offered rate (or above, while the
 * backlog drains).
 */
public final class Scenarios {

    /** One scenario. */
    public interface Scenario {
        String name();

        String description();

        /** A benchmark reports numbers; it still fails on lost/duplicated/unanswered/wrong answers. */
        boolean benchmark();

        boolean supports(String mode);

        void run(ScenarioContext ctx, ScenarioResult result) throws Exception;
    }

    private record Simple(String name, String description, boolean benchmark, Set<String> modes, Body body)
            implements Scenario {
        @Override
        public boolean supports(String mode) {
            return modes.contains(mode);
        }

        @Override
        public void run(ScenarioContext ctx, ScenarioResult result) throws Exception {
            body.run(ctx, result);
        }
    }

    @FunctionalInterface
    private interface Body {
        void run(ScenarioContext ctx, ScenarioResult result) throws Exception;
    }

    private static final Set<String> BOTH = Set.of("simulated", "demo");
    private static final Set<String> SIMULATED = Set.of("simulated");
    private static final Set<String> DEMO = Set.of("demo");

    /** Offered load of the load scenarios, as a fraction of one worker's bs-1 capacity (measured in demo mode). */
    static final double LOAD = 0.6;

    private static final List<Scenario> ALL = List.of(
            new Simple("steady", "steady open-loop load at 60 % of one worker's capacity", false, BOTH, Scenarios::steady),
            new Simple("poison", "steady load with 5 % poison requests (schema, unparseable, missing input, corrupt "
                    + "PNG, pixel bomb, forbidden bucket, expired)", false, BOTH, Scenarios::poison),
            new Simple("burst", "steady load, a burst of 5 s worth of capacity at once, steady again", false, SIMULATED,
                    Scenarios::burst),
            new Simple("sigkill-restart", "SIGKILL of the worker mid-batch, then a restart", false, BOTH,
                    Scenarios::sigkillRestart),
            new Simple("sigterm-drain", "SIGTERM of one of two workers mid-batch: drain, exit 0 within the grace",
                    false, SIMULATED, Scenarios::sigtermDrain),
            new Simple("two-workers", "two workers sharing the partitions, one SIGKILLed and not restarted", false,
                    SIMULATED, Scenarios::twoWorkers),
            new Simple("s3-outage", "S3Proxy stopped for 20 s, then started again", false, SIMULATED,
                    Scenarios::s3Outage),
            new Simple("broker-restart", "the Kafka broker (KRaft child JVM) stopped for 5 s and restarted on the "
                    + "same port and data", false, SIMULATED, Scenarios::brokerRestart),
            new Simple("redeliver-after-upload", "SIGKILL of the worker after it wrote its outputs and before it "
                    + "published their results (broker frozen), then a restart: the redelivered requests are answered "
                    + "from their output objects", false, SIMULATED, Scenarios::redeliverAfterUpload),
            new Simple("late-redelivery", "as redeliver-after-upload, with the restart after the requests' deadlines: "
                    + "they are still answered SUCCEEDED, from their output objects", false, SIMULATED,
                    Scenarios::lateRedelivery),
            new Simple("s3-slow", "S3 answering after 5 s for 10 s, then 503 SlowDown for 30 s (a relay in front of "
                    + "S3Proxy)", false, SIMULATED, Scenarios::s3Slow),
            PoisonScenarios.CRASH_LOOP,
            new Simple("saturation", "benchmark: closed loop far above capacity, one bucket; device duty cycle",
                    true, SIMULATED, Scenarios::saturation),
            new Simple("infra-cpu", "benchmark: worker CPU per 1024x1024 PNG request with a zero-cost device "
                    + "(fetch + decode + encode + upload + publish)", true, SIMULATED, Scenarios::infraCpu),
            new Simple("demo-batching", "benchmark: requests/s on the demo model at batch 1 vs bucket batching",
                    true, DEMO, Scenarios::demoBatching),
            new Simple("soak", "at least 10 minutes of edits on the real engine (demo model, a few steps): process RSS, "
                    + "native memory and the engine's live tensors stay flat after warm-up", false, DEMO,
                    SoakScenario::soak),
            new Simple("oversized-record", "a ~1.5 MB invalid request among steady load: its dead letter is too large for "
                    + "the producer and goes out truncated; everything answered, the partition keeps committing", false,
                    SIMULATED, PublishScenarios::oversizedRecord),
            new Simple("results-unavailable", "the results topic unwritable for 20 s under load (the worker's results "
                    + "producer cut off from the broker by a relay), then writable again", false, SIMULATED,
                    PublishScenarios::resultsUnavailable),
            new Simple("long-batch", BatchScenarios.LONG_BATCH, false, SIMULATED, BatchScenarios::longBatch),
            new Simple("rebalance-under-load", BatchScenarios.REBALANCE, false, SIMULATED, BatchScenarios::rebalance));

    /** The short set the CI test runs. */
    public static final List<String> CI = List.of("steady", "poison", "sigkill-restart");

    private Scenarios() {}

    public static List<Scenario> all() {
        return ALL;
    }

    public static Optional<Scenario> byName(String name) {
        return ALL.stream().filter(s -> s.name().equals(name)).findFirst();
    }

    /** Runs one scenario; any exception becomes the result's error. */
    public static ScenarioResult run(Scenario s, ScenarioContext ctx) {
        ScenarioResult r = new ScenarioResult(s.name(), s.description());
        long t0 = System.nanoTime();
        ctx.log("== %s: %s", s.name(), s.description());
        try {
            s.run(ctx, r);
        } catch (Exception | AssertionError e) {
            r.error(e.toString());
            ctx.log("  ERROR %s", e);
            e.printStackTrace(ctx.out());
        }
        r.seconds((System.nanoTime() - t0) / 1e9);
        ctx.log("  %s in %.0f s", r.passed() ? "PASS" : "FAIL", r.seconds());
        return r;
    }

    // ------------------------------------------------------------------ helpers

    static Profile profile(ScenarioContext ctx) {
        Profile p = ctx.settings().profile();
        // demo mode: the real pipeline on a CPU, so one size level and few steps (about 3 s per request here)
        return ctx.settings().demo() ? p.withSizeLevel(512).withSteps(DEMO_STEPS) : p;
    }

    private static DeviceModel device(ScenarioContext ctx, Profile p) {
        return DeviceModel.h800(p, ctx.settings().timeScale(), ctx.settings().fixedFraction());
    }

    /** Steps of every request in demo mode (the demo model on a CPU: a few seconds per step batch). */
    static final int DEMO_STEPS = 2;
    static double rate(LoadRun run, ScenarioContext ctx, double load) {
        return load * (ctx.settings().demo() ? demoCapacity(run) : run.device().capacity(1));
    }

    /**
     * Demo mode has no cost model: the worker's batch-size-1 rate is measured before the load, with three
     * requests sent one after the other (the last two timed; Kafka round trips and the batching delay included,
     * so it errs low). These requests are part of the run and are checked like the others.
     */
    private static double demoCapacity(LoadRun run) {
        long t1 = 0;
        for (int i = 0; i < 3; i++) {
            if (i == 1) {
                t1 = System.nanoTime();
            }
            SentRequest s = run.generator().send(run.factory().nextGood(), System.currentTimeMillis());
            long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
            while (!run.collector().answered(s.requestId()) && System.nanoTime() < deadline) {
                sleep(20);
            }
        }
        double perRequest = (System.nanoTime() - t1) / 2e9;
        double capacity = 1 / perRequest;
        run.ctx().log("  demo model: %.2f s per request alone -> %.3f requests/s at batch size 1", perRequest, capacity);
        return capacity;
    }

    static LoadRun open(ScenarioContext ctx, ScenarioResult result, String name, Profile p, int partitions) {
        DeviceModel d = ctx.settings().demo() ? null : device(ctx, p);
        LoadRun run = new LoadRun(ctx, name, p, partitions, d);
        result.device(ctx.settings().demo() ? "demo model " + ctx.settings().demoModelDir() : d.name()
                + String.format(Locale.ROOT, ": base %d ms + %d ms/row; capacity %.2f/s at bs 1, %.2f/s at bs 4",
                        d.base().toMillis(), d.perRow().toMillis(), d.capacity(1), d.capacity(4)));
        result.benchmark("profile", p.name());
        ctx.log("  run %s, profile %s, %s", run.runId(), p.name(), result.device());
        return run;
    }

    /** Length of the "after the fault" throughput window at the end of the load, seconds. */
    static double post(ScenarioContext ctx) {
        return 6 * (ctx.settings().demo() ? Settings.DEMO_TIME_FACTOR : 1);
    }

    static int count(double rate, double seconds) {
        return Math.max(1, (int) Math.round(rate * seconds));
    }

    /** Sends a few requests at once so that a batch is surely running, then waits a little into it. */
    private static void makeBusy(LoadRun run, int requests) {
        for (int i = 0; i < requests; i++) {
            run.generator().send(run.factory().nextGood(), System.currentTimeMillis());
        }
        long batchMs = run.device() == null ? 1500
                : run.device().base().toMillis() + run.device().perRow().toMillis() * 2;
        sleep(Math.max(150, batchMs * 3 / 4));
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static Duration settle(ScenarioContext ctx) {
        return ctx.settings().demo() ? Duration.ofMinutes(6) : Duration.ofSeconds(120);
    }

    static void common(ScenarioResult r, RunStats s, double offered) {
        r.offeredRate(offered);
        r.benchmark("offeredRate", Double.isNaN(offered) ? null : LoadRun.round(offered));
        r.benchmark("throughput", LoadRun.round(s.throughput()));
        r.benchmark("meanBatchRows", LoadRun.round(s.meanRows()));
        r.benchmark("dutyCycle", Double.isNaN(s.dutyOverall()) ? null : LoadRun.round(s.dutyOverall()));
    }

    // ------------------------------------------------------------------ scenarios

    static void steady(ScenarioContext ctx, ScenarioResult r) {
        Profile p = profile(ctx);
        try (LoadRun run = open(ctx, r, "steady", p, 4)) {
            run.startWorker("w1", false);
            double rate = rate(run, ctx, LOAD);
            double secs = ctx.settings().seconds(30, 8);
            run.markLoadStart();
            run.generator().startOpenLoop(List.of(new Generator.Phase(rate, count(rate, secs))));
            run.finish(r, settle(ctx));
            RunStats s = r.stats();
            common(r, s, rate);
            double from = Math.min(3, secs / 3);
            double got = s.throughputBetween(from, secs);
            r.criterion("throughput at the offered rate", got >= 0.75 * rate, String.format(Locale.ROOT,
                    "%.2f/s answered in [%.0f-%.0f s] at %.2f/s offered", got, from, secs, rate));
        }
    }

    static void poison(ScenarioContext ctx, ScenarioResult r) {
        Profile p = profile(ctx).withBadShare(0.05);
        try (LoadRun run = open(ctx, r, "poison", p, 4)) {
            WorkerProcess w = run.startWorker("w1", false);
            double rate = rate(run, ctx, LOAD);
            double secs = ctx.settings().seconds(30, 8);
            int n = count(rate, secs);
            run.markLoadStart();
            // at least one request of every poison kind, then the 5 % mix
            for (BadKind k : BadKind.values()) {
                run.generator().send(run.factory().nextBad(k), System.currentTimeMillis());
            }
            run.generator().startOpenLoop(List.of(new Generator.Phase(rate, n)));
            CheckResult c = run.finish(r, settle(ctx));
            common(r, r.stats(), rate);
            Map<BadKind, int[]> byKind = new EnumMap<>(BadKind.class);
            for (SentRequest s : run.generator().sent()) {
                BadKind k = s.planned().bad();
                if (k != null) {
                    byKind.computeIfAbsent(k, x -> new int[1])[0]++;
                }
            }
            int bad = byKind.values().stream().mapToInt(a -> a[0]).sum();
            r.benchmark("poisonRequests", bad);
            r.note("poison requests by kind (each must get its own status/code): " + byKind.entrySet().stream()
                    .map(e -> e.getKey().key() + "=" + e.getValue()[0] + " -> " + e.getKey().status() + "/" + e.getKey().code())
                    .collect(Collectors.joining(", ")));
            r.criterion("the worker survived the poison", w.isAlive(), w.isAlive() ? "alive" : "exited");
            int good = c.expectedGood();
            r.criterion("every good request succeeded", c.succeeded() == good, c.succeeded() + " of " + good);
        }
    }

    static void burst(ScenarioContext ctx, ScenarioResult r) {
        Profile p = profile(ctx);
        try (LoadRun run = open(ctx, r, "burst", p, 4)) {
            run.startWorker("w1", false);
            double rate = rate(run, ctx, 0.5);
            double pre = ctx.settings().seconds(10, 6);
            double post = ctx.settings().seconds(20, 12);
            int burst = count(run.device().capacity(1), ctx.settings().seconds(5, 3));
            run.markLoadStart();
            run.generator().startOpenLoop(List.of(new Generator.Phase(rate, count(rate, pre)),
                    new Generator.Phase(0, burst), new Generator.Phase(rate, count(rate, post))));
            run.sleepUntil(pre);
            run.event("burst of " + burst);
            run.finish(r, settle(ctx));
            RunStats s = r.stats();
            common(r, s, rate);
            double end = pre + post;
            run.recoveryCriterion(r, s, Math.min(2, pre / 3), pre - 1, pre, end - post(ctx), end, 0.75);
        }
    }

    static void sigkillRestart(ScenarioContext ctx, ScenarioResult r) {
        Profile p = profile(ctx);
        try (LoadRun run = open(ctx, r, "sigkill", p, 4)) {
            WorkerProcess w1 = run.startWorker("w1", false);
            double rate = rate(run, ctx, LOAD);
            double killAt = ctx.settings().seconds(8, 5);
            double secs = killAt + ctx.settings().seconds(22, 16);
            run.markLoadStart();
            run.generator().startOpenLoop(List.of(new Generator.Phase(rate, count(rate, secs))));
            run.sleepUntil(killAt);
            makeBusy(run, 6);
            w1.sigkill();
            Optional<Integer> rc = w1.waitExit(Duration.ofSeconds(10));
            run.event("SIGKILL w1 (exit " + rc.map(String::valueOf).orElse("?") + ")");
            run.event("restarting w1");
            WorkerProcess again = run.startWorker("w1", false);
            run.finish(r, settle(ctx));
            RunStats s = r.stats();
            common(r, s, rate);
            r.criterion("the worker was really killed", rc.isPresent() && rc.get() == 137,
                    "exit status " + rc.map(String::valueOf).orElse("none"));
            r.benchmark("restartSeconds", LoadRun.round(again.startSeconds()));
            run.recoveryCriterion(r, s, Math.min(2, killAt / 3), killAt, killAt, secs - post(ctx), secs, 0.75);
            r.note("redelivered after the kill: " + r.check().redelivered() + " identical re-publications ("
                    + r.check().redeliveredByteIdentical() + " of " + r.check().redeliveredRequests()
                    + " requests byte-identical); at-least-once allows them, they are counted, not failed");
        }
    }

    static void sigtermDrain(ScenarioContext ctx, ScenarioResult r) {
        Profile p = profile(ctx);
        try (LoadRun run = open(ctx, r, "drain", p, 4)) {
            WorkerProcess w1 = run.startWorker("w1", false);
            run.startWorker("w2", false);
            double rate = rate(run, ctx, LOAD);
            double termAt = ctx.settings().seconds(8, 5);
            double secs = termAt + ctx.settings().seconds(20, 12);
            run.markLoadStart();
            run.generator().startOpenLoop(List.of(new Generator.Phase(rate, count(rate, secs))));
            run.sleepUntil(termAt);
            makeBusy(run, 8);
            long t0 = System.nanoTime();
            w1.sigterm();
            run.event("SIGTERM w1");
            Optional<Integer> rc = w1.waitExit(LoadRun.DRAIN_GRACE.plusSeconds(20));
            double exitSeconds = (System.nanoTime() - t0) / 1e9;
            run.event("w1 exited " + rc.map(String::valueOf).orElse("(still running)"));
            run.finish(r, settle(ctx));
            RunStats s = r.stats();
            common(r, s, rate);
            r.benchmark("drainExitSeconds", LoadRun.round(exitSeconds));
            r.criterion("drain exits 0 within the grace", rc.isPresent() && rc.get() == 0
                    && exitSeconds <= LoadRun.DRAIN_GRACE.toSeconds(), String.format(Locale.ROOT,
                    "exit %s after %.1f s (grace %d s)", rc.map(String::valueOf).orElse("none"), exitSeconds,
                    LoadRun.DRAIN_GRACE.toSeconds()));
            run.recoveryCriterion(r, s, Math.min(2, termAt / 3), termAt, termAt, secs - post(ctx), secs, 0.75);
        }
    }

    static void twoWorkers(ScenarioContext ctx, ScenarioResult r) {
        Profile p = profile(ctx);
        try (LoadRun run = open(ctx, r, "two", p, 4)) {
            run.startWorker("w1", false);
            WorkerProcess w2 = run.startWorker("w2", false);
            double rate = rate(run, ctx, LOAD);
            double killAt = ctx.settings().seconds(10, 6);
            double secs = killAt + ctx.settings().seconds(25, 18);
            run.markLoadStart();
            run.generator().startOpenLoop(List.of(new Generator.Phase(rate, count(rate, secs))));
            run.sleepUntil(killAt);
            makeBusy(run, 8);
            w2.sigkill();
            run.event("SIGKILL w2 (not restarted)");
            run.finish(r, settle(ctx));
            RunStats s = r.stats();
            common(r, s, rate);
            Map<String, Long> byWorker = byWorker(run.collector());
            r.note("first answers by worker: " + byWorker);
            r.criterion("both workers served before the kill", byWorker.size() >= 2, byWorker.toString());
            run.recoveryCriterion(r, s, Math.min(2, killAt / 3), killAt, killAt, secs - post(ctx), secs, 0.75);
        }
    }

    static void s3Outage(ScenarioContext ctx, ScenarioResult r) {
        Profile p = profile(ctx);
        try (LoadRun run = open(ctx, r, "s3", p, 4)) {
            run.startWorker("w1", false);
            double rate = rate(run, ctx, 0.5);
            double stopAt = ctx.settings().seconds(8, 5);
            double outage = 20;
            double secs = stopAt + outage + ctx.settings().seconds(14, 12);
            run.markLoadStart();
            run.generator().startOpenLoop(List.of(new Generator.Phase(rate, count(rate, secs))));
            run.sleepUntil(stopAt);
            run.cluster().s3().stopProcess();
            run.event("S3Proxy stopped");
            run.sleepUntil(stopAt + outage);
            run.cluster().s3().startProcess();
            run.event("S3Proxy started");
            run.finish(r, settle(ctx));
            RunStats s = r.stats();
            common(r, s, rate);
            run.recoveryCriterion(r, s, Math.min(2, stopAt / 3), stopAt, stopAt + outage, secs - post(ctx), secs, 0.75);
        }
    }

    static void brokerRestart(ScenarioContext ctx, ScenarioResult r) {
        Profile p = profile(ctx);
        try (LoadRun run = open(ctx, r, "broker", p, 4)) {
            run.startWorker("w1", false);
            double rate = rate(run, ctx, 0.5);
            double stopAt = ctx.settings().seconds(8, 5);
            double down = 5;
            double secs = stopAt + down + ctx.settings().seconds(22, 16);
            run.markLoadStart();
            run.generator().startOpenLoop(List.of(new Generator.Phase(rate, count(rate, secs))));
            run.sleepUntil(stopAt);
            run.event("broker SIGTERM");
            run.cluster().broker().stopProcess(false);
            run.event("broker down");
            run.sleepUntil(stopAt + down);
            run.cluster().broker().startProcess();
            run.event("broker started");
            run.finish(r, settle(ctx));
            RunStats s = r.stats();
            common(r, s, rate);
            run.recoveryCriterion(r, s, Math.min(2, stopAt / 3), stopAt, stopAt + down, secs - post(ctx), secs, 0.75);
        }
    }

    /** Requests of the redelivery scenarios; their batches are slow (3 s) so the fault lands between upload and publish. */
    static final int REDELIVERED = 8;

    static void redeliverAfterUpload(ScenarioContext ctx, ScenarioResult r) {
        uploadedThenKilled(ctx, r, "upload", false);
    }

    static void lateRedelivery(ScenarioContext ctx, ScenarioResult r) {
        uploadedThenKilled(ctx, r, "late", true);
    }

    /**
     * Sends a few requests to a worker with slow batches, freezes the broker (SIGSTOP) while they run, waits until
     * every output object is written (the worker then hangs in its publish), SIGKILLs the worker, thaws the broker
     * (after the requests' deadlines when {@code late}) and starts a worker again. The requests come back uncommitted
     * and must be answered from the objects that exist: SUCCEEDED, with the same sha256, not computed again.
     */
    private static void uploadedThenKilled(ScenarioContext ctx, ScenarioResult r, String name, boolean late) {
        // one bucket: the requests run as two 4-row batches of 3 s each
        Profile p = Profile.preset("square-512");
        try (LoadRun run = open(ctx, r, name, p, 4)) {
            WorkerProcess w1 = run.startWorker("w1", false, "worker.engine.simulated.base=3000ms",
                    "worker.batching.max-batch-rows=4");
            java.time.Instant deadline = late ? java.time.Instant.now().plusSeconds(20) : null;
            run.markLoadStart();
            List<SentRequest> sent = new ArrayList<>();
            for (int i = 0; i < REDELIVERED; i++) {
                sent.add(run.generator().send(late ? run.factory().nextGood(deadline) : run.factory().nextGood(),
                        System.currentTimeMillis()));
            }
            run.generator().awaitSent(30_000);
            // freeze the broker once the worker has taken them all: their first batch ends 3 s later
            long takenBy = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (w1.metric("step1x_worker_in_flight").orElse(0) < REDELIVERED && System.nanoTime() < takenBy) {
                sleep(50);
            }
            Map<String, String> written;
            Optional<Integer> rc;
            run.cluster().broker().freeze();
            try {
                run.event("broker frozen (SIGSTOP)");
                written = awaitOutputs(run, REDELIVERED, Duration.ofSeconds(60));
                run.event(written.size() + " outputs written, their results cannot be published");
                w1.sigkill();
                rc = w1.waitExit(Duration.ofSeconds(10));
                run.event("SIGKILL w1 (exit " + rc.map(String::valueOf).orElse("?") + ")");
                if (late) {
                    run.sleepUntil(run.t() + Math.max(0, java.time.Duration.between(java.time.Instant.now(), deadline)
                            .toMillis() / 1000.0) + 1);
                    run.event("the requests' deadlines have passed");
                }
            } finally {
                run.cluster().broker().thaw();
            }
            run.event("broker thawed (SIGCONT)");
            long t0 = System.nanoTime();
            WorkerProcess w2 = run.startWorker("w1", false);
            long deadlineNanos = System.nanoTime() + Duration.ofSeconds(120).toNanos();
            while (!sent.stream().allMatch(x -> run.collector().answered(x.requestId()))
                    && System.nanoTime() < deadlineNanos) {
                sleep(50);
            }
            double recovery = (System.nanoTime() - t0) / 1e9;
            run.event("all answered");
            CheckResult c = run.finish(r, settle(ctx));
            common(r, r.stats(), Double.NaN);
            r.benchmark("outputsWrittenBeforeKill", written.size());
            r.benchmark("answeredFromExistingRequests", c.answeredFromExistingRequests());
            r.benchmark("restartSeconds", LoadRun.round(w2.startSeconds()));
            r.benchmark("recoverySeconds", LoadRun.round(recovery));
            r.criterion("the worker was really killed", rc.isPresent() && rc.get() == 137,
                    "exit status " + rc.map(String::valueOf).orElse("none"));
            r.criterion("every output was written before the kill", written.size() == REDELIVERED,
                    written.size() + " of " + REDELIVERED);
            // the first answer of each request names the object that existed at the kill
            int same = 0;
            Map<String, String> firstSha = new java.util.HashMap<>();
            for (ResultCollector.Received x : run.collector().results()) {
                if (x.result() != null && x.result().output() != null) {
                    firstSha.putIfAbsent(x.result().requestId(), x.result().output().sha256());
                }
            }
            for (Map.Entry<String, String> e : written.entrySet()) {
                same += e.getValue().equals(firstSha.get(e.getKey())) ? 1 : 0;
            }
            r.criterion("answered with the objects written before the kill", same == written.size(),
                    same + " of " + written.size() + " answers name the object's sha256");
            r.criterion("answered from the existing objects, not computed again",
                    c.answeredFromExistingRequests() >= 1, c.answeredFromExistingRequests() + " requests answered "
                            + "from their output objects (" + c.answeredFromExisting() + " results)");
            if (late) {
                long afterDeadline = run.collector().results().stream().filter(x -> x.result() != null
                        && x.result().isSucceeded() && x.timestampMs() > deadline.toEpochMilli()).count();
                r.criterion("answered SUCCEEDED after the deadline", c.succeeded() == REDELIVERED && afterDeadline >= 1,
                        c.succeeded() + " of " + REDELIVERED + " SUCCEEDED, " + afterDeadline + " SUCCEEDED results "
                                + "published after the deadline " + deadline);
            }
            r.note(String.format(Locale.ROOT, "%d outputs written before the SIGKILL; %d requests answered from their "
                    + "existing output objects after the restart (not computed again; the stand-in engine's outputs "
                    + "%s per run); all answered %.1f s after the restart began (worker start %.1f s)", written.size(),
                    c.answeredFromExistingRequests(), ctx.settings().varyOutputs() ? "vary" : "do not vary", recovery,
                    w2.startSeconds()));
        }
    }

    /**
     * Waits until {@code n} output objects of the run exist (or the timeout); their sha256 by requestId. Only keys of
     * the form prefix + id + .png/.jpg count: S3Proxy's filesystem store lists its temporary files while it writes.
     */
    private static Map<String, String> awaitOutputs(LoadRun run, int n, Duration timeout) {
        software.amazon.awssdk.services.s3.S3Client s3 = run.cluster().s3().client();
        String bucket = dev.step1x.loadtest.env.Cluster.OUTPUTS;
        String prefix = run.factory().outputPrefix();
        java.util.regex.Pattern output = java.util.regex.Pattern.compile(java.util.regex.Pattern.quote(prefix)
                + "(" + java.util.regex.Pattern.quote(run.runId()) + "-\\d+)\\.(png|jpg)");
        long deadline = System.nanoTime() + timeout.toNanos();
        Map<String, String> sha = new java.util.TreeMap<>();
        while (System.nanoTime() < deadline && sha.size() < n) {
            for (software.amazon.awssdk.services.s3.model.S3Object o : s3.listObjectsV2(l -> l.bucket(bucket)
                    .prefix(prefix)).contents()) {
                java.util.regex.Matcher m = output.matcher(o.key());
                if (!m.matches() || sha.containsKey(m.group(1))) {
                    continue;
                }
                try {
                    byte[] bytes = s3.getObjectAsBytes(g -> g.bucket(bucket).key(o.key())).asByteArray();
                    sha.put(m.group(1), java.util.HexFormat.of().formatHex(
                            java.security.MessageDigest.getInstance("SHA-256").digest(bytes)));
                } catch (software.amazon.awssdk.services.s3.model.NoSuchKeyException notYet) {
                    // listed while being written: next round
                } catch (java.security.NoSuchAlgorithmException e) {
                    throw new IllegalStateException(e);
                }
            }
            if (sha.size() < n) {
                sleep(100);
            }
        }
        return sha;
    }

    /**
     * S3 slow, then throttling: a relay in front of S3Proxy holds every request 5 s for 10 s, then answers 503
     * SlowDown for 30 s, then passes everything again. Parked requests wait out the open circuit breaker; none may
     * be answered FAILED, and throughput must come back.
     */
    static void s3Slow(ScenarioContext ctx, ScenarioResult r) {
        // good requests only: none of them may be answered FAILED
        Profile p = profile(ctx).withBadShare(0);
        try (dev.step1x.loadtest.env.S3FaultFront front = dev.step1x.loadtest.env.S3FaultFront.start(
                ctx.cluster().s3().endpoint()); LoadRun run = open(ctx, r, "s3slow", p, 4)) {
            run.startWorker("w1", false, "worker.storage.endpoint=" + front.endpoint());
            double rate = rate(run, ctx, 0.5);
            double slowAt = ctx.settings().seconds(8, 5);
            double slow = 10;
            double throttled = 30;
            double faultEnd = slowAt + slow + throttled;
            double secs = faultEnd + ctx.settings().seconds(20, 16);
            run.markLoadStart();
            run.generator().startOpenLoop(List.of(new Generator.Phase(rate, count(rate, secs))));
            run.sleepUntil(slowAt);
            front.delay(Duration.ofSeconds(5));
            run.event("S3 answers after 5 s");
            run.sleepUntil(slowAt + slow);
            front.slowDown();
            run.event("S3 answers 503 SlowDown");
            run.sleepUntil(faultEnd);
            front.pass();
            run.event("S3 back to normal");
            CheckResult c = run.finish(r, settle(ctx));
            RunStats s = r.stats();
            common(r, s, rate);
            long[] counts = front.counts();
            r.benchmark("s3RequestsPassed", counts[0]);
            r.benchmark("s3RequestsDelayed", counts[1]);
            r.benchmark("s3Requests503", counts[2]);
            int failed = c.byStatus().getOrDefault(ResultStatus.FAILED, 0);
            r.criterion("no request answered FAILED", failed == 0, failed + " FAILED");
            r.criterion("the faults were seen", counts[1] > 0 && counts[2] > 0, counts[1] + " S3 requests delayed 5 s, "
                    + counts[2] + " answered 503");
            run.recoveryCriterion(r, s, Math.min(2, slowAt / 3), slowAt, faultEnd, secs - post(ctx), secs, 0.75);
            r.note(String.format(Locale.ROOT, "S3 requests through the relay: %d passed, %d delayed by 5 s, %d answered "
                    + "503 SlowDown; backlog recovered %s s after S3 came back", counts[0], counts[1], counts[2],
                    r.benchmarks().get("recoverySeconds")));
        }
    }

    static void saturation(ScenarioContext ctx, ScenarioResult r) {
        Profile p = Profile.preset("square-1024");
        try (LoadRun run = open(ctx, r, "saturation", p, 4)) {
            run.startWorker("w1", false);
            DeviceModel d = run.device();
            double secs = ctx.settings().seconds(45, 12);
            int n = count(d.capacity(4), secs);
            run.markLoadStart();
            run.generator().startClosedLoop(48, n);
            run.finish(r, settle(ctx));
            RunStats s = r.stats();
            common(r, s, Double.NaN);
            r.offeredRate(Double.NaN);
            double duty = s.dutySaturated();
            r.benchmark("dutyCycleSaturated", Double.isNaN(duty) ? null : Math.round(duty * 10_000) / 10_000.0);
            r.benchmark("dutyCycleSaturatedWorkerReported", Double.isNaN(s.reportedDutySaturated()) ? null
                    : LoadRun.round(s.reportedDutySaturated()));
            r.benchmark("dutyCycleSaturatedPlusMinus", Double.isNaN(s.dutySaturatedError()) ? null
                    : Math.round(s.dutySaturatedError() * 10_000) / 10_000.0);
            r.benchmark("saturatedSeconds", LoadRun.round(s.saturatedSeconds()));
            r.benchmark("capacityBs4", LoadRun.round(d.capacity(4)));
            r.note(String.format(Locale.ROOT, "device duty cycle at saturation %.2f %% +- %.2f %% (engine compute / wall "
                    + "over %.0f s of 1 s intervals with a non-empty queue; the +- is one batch, credited when it ends; "
                    + "target >= 98 %%: %s); the worker's own WorkerMetrics "
                    + "dutyCycle says %.1f %% over the same kind of windows (capped per window, see the definitions); "
                    + "throughput %.2f/s vs %.2f/s for full 4-row batches", duty * 100, s.dutySaturatedError() * 100,
                    s.saturatedSeconds(),
                    duty >= 0.98 ? "met" : "NOT met", s.reportedDutySaturated() * 100, s.throughput(), d.capacity(4)));
            r.criterion("saturated windows measured", s.saturatedSeconds() > 0,
                    String.format(Locale.ROOT, "%.0f s", s.saturatedSeconds()));
        }
    }

    static void infraCpu(ScenarioContext ctx, ScenarioResult r) {
        Profile p = Profile.preset("square-1024").withInputLongSide(1024);
        DeviceModel zero = DeviceModel.zero();
        try (LoadRun run = new LoadRun(ctx, "infra", p, 4, zero)) {
            r.device(zero.name());
            WorkerProcess w = run.startWorker("w1", true, "worker.batching.max-batch-rows=1");
            run.markLoadStart();
            int warm = (int) Math.round(Math.max(30, 80 * ctx.settings().scale()));
            int n = (int) Math.round(Math.max(40, 160 * ctx.settings().scale()));
            run.generator().startClosedLoop(4, warm);
            awaitAnswers(run, warm, Duration.ofMinutes(3));
            run.event("warm-up done (" + warm + ")");
            // idle CPU of the worker (polling, metrics) to subtract, in all and by part
            sleep(1000);
            Map<String, Double> idleParts0 = w.cpuParts().orElse(Map.of());
            long idle0 = cpuNanos(w);
            long i0 = System.nanoTime();
            sleep(4000);
            double idleWall = System.nanoTime() - i0;
            double idleRate = (cpuNanos(w) - idle0) / idleWall;
            Map<String, Double> idleParts1 = w.cpuParts().orElse(Map.of());
            long cpu0 = cpuNanos(w);
            Map<String, Double> parts0 = w.cpuParts().orElse(Map.of());
            long t0 = System.nanoTime();
            run.event("measuring " + n);
            run.generator().startClosedLoop(4, n);
            awaitAnswers(run, warm + n, Duration.ofMinutes(5));
            long wall = System.nanoTime() - t0;
            long cpu = cpuNanos(w) - cpu0;
            Map<String, Double> parts1 = w.cpuParts().orElse(Map.of());
            double perRequestMs = (cpu - idleRate * wall) / n / 1e6;
            Map<String, Double> byPart = cpuByPart(parts0, parts1, idleParts0, idleParts1, idleWall, wall, n,
                    perRequestMs);
            run.event("measured");
            run.finish(r, settle(ctx));
            RunStats s = r.stats();
            common(r, s, Double.NaN);
            r.benchmark("infraCpuMsPerRequest", LoadRun.round(perRequestMs));
            r.benchmark("infraCpuMsPerRequestRaw", LoadRun.round(cpu / (double) n / 1e6));
            r.benchmark("idleCpuCores", LoadRun.round(idleRate));
            r.benchmark("requestsPerSecondOneWorker", LoadRun.round(n / (wall / 1e9)));
            Map<String, Double> stages = s.stageMedians();
            r.benchmark("stageMedianMs", stages);
            r.benchmark("cpuMsPerRequestByPart", byPart);
            r.note(String.format(Locale.ROOT, "worker CPU per 1024x1024 PNG request: %.1f ms (all worker threads; idle "
                    + "%.3f cores subtracted; %.1f ms raw) over %d requests after %d warm-up; by part (ms, idle "
                    + "subtracted; other = the rest: GC, JIT, bookkeeping) %s; stage medians (wall ms) %s",
                    perRequestMs, idleRate, cpu / (double) n / 1e6, n, warm, byPart, stages));
            r.criterion("CPU measured", cpu > 0, cpu / 1e6 + " ms CPU");
        }
    }

    static void demoBatching(ScenarioContext ctx, ScenarioResult r) {
        Profile p = Profile.preset("square-512").withSteps(DEMO_STEPS);
        int n = (int) Math.round(Math.max(8, 24 * ctx.settings().scale()));
        double[] rates = new double[2];
        int[] rowsCfg = {1, 4};
        CheckResult last = null;
        RunStats lastStats = null;
        for (int i = 0; i < 2; i++) {
            ScenarioResult part = new ScenarioResult("demo-batching-" + rowsCfg[i], "");
            try (LoadRun run = new LoadRun(ctx, "demo" + rowsCfg[i], p, 4, null)) {
                r.device("demo model " + ctx.settings().demoModelDir());
                run.startWorker("w1", true, "worker.batching.max-batch-rows=" + rowsCfg[i],
                        "worker.batching.max-delay=500ms");
                run.markLoadStart();
                run.generator().startClosedLoop(8, n);
                last = run.finish(part, settle(ctx));
                lastStats = part.stats();
                rates[i] = lastStats.throughput();
                for (Criterion c : part.criteria()) {
                    r.criterion(c.name() + " (max rows " + rowsCfg[i] + ")", c.pass(), c.detail());
                }
                r.benchmark("meanBatchRows" + rowsCfg[i], LoadRun.round(lastStats.meanRows()));
            }
        }
        r.check(last);
        r.stats(lastStats);
        r.benchmark("requestsPerSecondBatch1", LoadRun.round(rates[0]));
        r.benchmark("requestsPerSecondBucketBatching", LoadRun.round(rates[1]));
        r.note(String.format(Locale.ROOT, "demo model, 512x512, %d steps, closed loop of 8, %d requests each: %.3f/s at "
                + "max 1 row, %.3f/s with bucket batching (max 4 rows); plots show the batching run", DEMO_STEPS, n,
                rates[0], rates[1]));
    }

    /**
     * CPU ms per request by part, from the worker's {@code step1x.worker.cpu} counters at the start and the end of
     * the measured window, less each part's idle rate (a consumer polls even with nothing to do); "other" is the
     * measured total less the parts.
     */
    static Map<String, Double> cpuByPart(Map<String, Double> start, Map<String, Double> end, Map<String, Double> idle0,
            Map<String, Double> idle1, double idleWallNanos, double wallNanos, int requests, double totalMs) {
        Map<String, Double> out = new java.util.LinkedHashMap<>();
        double sum = 0;
        for (String part : List.of("decode", "resize", "encode", "hash", "json", "s3", "kafka")) {
            double idleRate = (idle1.getOrDefault(part, 0.0) - idle0.getOrDefault(part, 0.0)) / idleWallNanos;
            double seconds = end.getOrDefault(part, 0.0) - start.getOrDefault(part, 0.0) - idleRate * wallNanos;
            double ms = Math.max(0, seconds) * 1000 / requests;
            out.put(part, LoadRun.round(ms));
            sum += ms;
        }
        out.put("other", LoadRun.round(Math.max(0, totalMs - sum)));
        return out;
    }

    private static long cpuNanos(WorkerProcess w) {
        return w.cpuTime().map(Duration::toNanos).orElse(0L);
    }

    private static void awaitAnswers(LoadRun run, int n, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (run.collector().answeredCount() < n && System.nanoTime() < deadline) {
            sleep(50);
        }
    }

    static Map<String, Long> byWorker(ResultCollector c) {
        Map<String, Long> m = new java.util.TreeMap<>();
        Set<String> seen = new java.util.HashSet<>();
        for (ResultCollector.Received x : c.results()) {
            if (x.result() != null && seen.add(x.result().requestId()) && x.result().status() == ResultStatus.SUCCEEDED) {
                m.merge(x.result().worker().id(), 1L, Long::sum);
            }
        }
        return m;
    }
}
