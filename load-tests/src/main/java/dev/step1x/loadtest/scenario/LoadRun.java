package dev.step1x.loadtest.scenario;

import dev.step1x.loadtest.check.CheckResult;
import dev.step1x.loadtest.check.Checker;
import dev.step1x.loadtest.check.ResultCollector;
import dev.step1x.loadtest.env.Cluster;
import dev.step1x.loadtest.env.WorkerProcess;
import dev.step1x.loadtest.gen.Generator;
import dev.step1x.loadtest.gen.InputCatalog;
import dev.step1x.loadtest.gen.Profile;
import dev.step1x.loadtest.gen.RequestFactory;
import dev.step1x.loadtest.report.RunStats;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The harness of one scenario: its topics and group, inputs, generator, collector, workers (child JVMs),
 * a timeline of events, and at the end the check and the statistics.
 */
public final class LoadRun implements AutoCloseable {

    /** Drain grace the scenarios give workers (SIGTERM must lead to exit 0 within it). */
    public static final Duration DRAIN_GRACE = Duration.ofSeconds(10);

    private final ScenarioContext ctx;
    private final String runId;
    private final Cluster cluster;
    private final Cluster.Topics topics;
    private final Profile profile;
    private final DeviceModel device;
    private final RequestFactory factory;
    private final Generator generator;
    private final ResultCollector collector;
    private final List<Long> eventTimes = new ArrayList<>();
    private final List<String> eventLabels = new ArrayList<>();
    private final Map<String, WorkerProcess> workers = new LinkedHashMap<>();
    private final List<WorkerProcess> allWorkers = new ArrayList<>();
    private final List<String> workerDefaults = new ArrayList<>();
    private final List<WorkerProcess.DeviceSample> deviceSamples = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final Thread scraper;
    private volatile boolean closed;
    private long loadStartMs;

    public LoadRun(ScenarioContext ctx, String scenario, Profile profile, int partitions, DeviceModel device) {
        this.ctx = ctx;
        this.runId = ctx.runId(scenario);
        this.cluster = ctx.cluster();
        this.topics = cluster.topics(runId, partitions);
        this.profile = profile;
        this.device = device;
        InputCatalog inputs = InputCatalog.upload(cluster.s3().client(), Cluster.INPUTS, runId + "/", profile);
        this.factory = new RequestFactory(profile, runId, Cluster.OUTPUTS, inputs, ctx.settings().seed());
        this.generator = new Generator(cluster.broker().bootstrap(), topics.requests(), factory);
        this.collector = new ResultCollector(cluster.broker().bootstrap(), topics);
        collector.onFirstResult(generator::answered);
        scraper = new Thread(this::scrapeLoop, "device-scraper");
        scraper.setDaemon(true);
        scraper.start();
        workerDefaults.addAll(cluster.workerProperties(topics));
        workerDefaults.add("worker.lifecycle.drain-grace=" + DRAIN_GRACE.toSeconds() + "s");
        if (ctx.settings().demo()) {
            workerDefaults.add("worker.engine.mode=model");
            workerDefaults.add("worker.engine.model-dir=" + ctx.settings().demoModelDir());
            workerDefaults.add("worker.batching.batch-time-budget=10m");
        } else {
            workerDefaults.addAll(device.workerProperties());
            workerDefaults.add("worker.engine.simulated.vary-per-run=" + ctx.settings().varyOutputs());
        }
        if (ctx.settings().adapterShare() > 0) {
            factory.withAdapters(Settings.ADAPTERS, ctx.settings().adapterShare());
            workerDefaults.addAll(adapterCatalog(ctx.settings()));
        }
    }

    /**
     * The workers' adapter catalog: the demo model's adapter files (demo mode), or placeholder files of the same
     * names (simulated mode, where the stand-in engine only checks that the file exists).
     */
    private static List<String> adapterCatalog(Settings s) {
        List<String> props = new ArrayList<>();
        for (String name : Settings.ADAPTERS) {
            Path file;
            if (s.demo()) {
                file = s.demoModelDir().resolve("loras").resolve(name + ".safetensors");
            } else {
                file = s.workDir().resolve("adapters").resolve(name + ".safetensors");
                try {
                    Files.createDirectories(file.getParent());
                    Files.writeString(file, "placeholder adapter for the simulated engine\n");
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
            props.add("worker.lora.catalog." + name + "=" + file);
        }
        return props;
    }

    /** Every second: each live worker's engine compute time and queue depth from its Prometheus endpoint. */
    private void scrapeLoop() {
        while (!closed) {
            for (WorkerProcess w : List.copyOf(workers.values())) {
                if (w.isAlive() && w.startSeconds() > 0) {
                    w.scrape().ifPresent(deviceSamples::add);
                }
            }
            try {
                Thread.sleep(1000);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    public String runId() {
        return runId;
    }

    public Cluster cluster() {
        return cluster;
    }

    public Cluster.Topics topics() {
        return topics;
    }

    public Profile profile() {
        return profile;
    }

    public DeviceModel device() {
        return device;
    }

    public Generator generator() {
        return generator;
    }

    public ResultCollector collector() {
        return collector;
    }

    public RequestFactory factory() {
        return factory;
    }

    public ScenarioContext ctx() {
        return ctx;
    }

    /**
     * Starts a worker JVM with the scenario's defaults plus {@code extra} properties ({@code name=value}; one of
     * them replaces a default of the same name) and waits until it is ready.
     */
    public WorkerProcess startWorker(String id, boolean fullJit, String... extra) {
        java.util.Set<String> replaced = new java.util.HashSet<>();
        for (String e : extra) {
            replaced.add(e.substring(0, e.indexOf('=')));
        }
        List<String> props = new ArrayList<>();
        for (String d : workerDefaults) {
            if (!replaced.contains(d.substring(0, d.indexOf('=')))) {
                props.add(d);
            }
        }
        props.addAll(List.of(extra));
        List<String> jvm = fullJit || ctx.settings().demo()
                ? List.of("-Xmx1g", "-XX:+UseSerialGC")
                // C1 only: on two cores the worker starts in ~8 s instead of ~20 s; the stand-in engine sleeps anyway
                : List.of("-Xmx512m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1");
        WorkerProcess w = WorkerProcess.start(id, props, jvm, cluster.dir().resolve(runId));
        allWorkers.add(w);
        w.awaitReady(Duration.ofSeconds(ctx.settings().demo() ? 300 : 120));
        workers.put(id, w);
        ctx.log("  worker %s ready in %.1f s (pid %d)", id, w.startSeconds(), w.pid());
        event(id + " ready");
        return w;
    }

    public WorkerProcess worker(String id) {
        return workers.get(id);
    }

    /** Marks the start of the load: t = 0 of the plots. */
    public void markLoadStart() {
        loadStartMs = System.currentTimeMillis();
    }

    /** Seconds since the load started. */
    public double t() {
        return (System.currentTimeMillis() - loadStartMs) / 1000.0;
    }

    /** Sleeps until {@code t} seconds since the load started. */
    public void sleepUntil(double t) {
        long ms = (long) ((t - t()) * 1000);
        if (ms > 0) {
            try {
                Thread.sleep(ms);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    /** A labelled instant on the timeline (and a progress line). */
    public void event(String label) {
        eventTimes.add(System.currentTimeMillis());
        eventLabels.add(label);
        if (loadStartMs > 0) {
            ctx.log("  t=%5.1f s  %s", t(), label);
        }
    }

    /**
     * Waits for the generator to finish, then for every answer and the group's commits, then checks, and
     * adds the standard criteria (0 lost, 0 duplicated, every request answered, answers right, no orphan
     * outputs, everything committed) and the statistics to {@code result}.
     */
    public CheckResult finish(ScenarioResult result, Duration settleTimeout) {
        generator.awaitSent(Duration.ofMinutes(5).toMillis());
        CheckResult c;
        try (Checker checker = new Checker(cluster, topics)) {
            long t0 = System.nanoTime();
            boolean settled = checker.awaitSettled(generator.sent(), collector, settleTimeout.toMillis());
            ctx.log("  %s after %.1f s more; checking (%d sent, %d answered)", settled ? "settled" : "NOT settled",
                    (System.nanoTime() - t0) / 1e9, generator.sentCount(), collector.answeredCount());
            c = checker.check(generator.sent(), collector, Cluster.OUTPUTS, factory.outputPrefix());
        }
        result.check(c);
        result.stats(stats());
        result.criterion("0 lost", c.lost() == 0, "lost=" + c.lost() + " (committed unanswered " + c.lostCommitted()
                + ", missing outputs " + c.lostOutputs() + ")");
        result.criterion("0 duplicated", c.duplicated() == 0, "duplicated=" + c.duplicated() + " (different terminal "
                + "results " + c.differingResults() + ", requests with >1 output object " + c.multipleOutputs()
                + "); redelivered=" + c.redelivered() + " identical re-publications over " + c.redeliveredRequests()
                + " requests");
        result.criterion("0 conflicting", c.conflicting() == 0, "conflicting=" + c.conflicting() + " (requests with "
                + "two SUCCEEDED results naming different outputs); answered from an existing output: "
                + c.answeredFromExisting() + " results over " + c.answeredFromExistingRequests() + " requests");
        result.criterion("every request answered", c.unanswered() == 0 && c.sendFailed() == 0,
                "unanswered=" + c.unanswered() + " of " + c.sent() + ", send failures " + c.sendFailed());
        result.criterion("every answer right", c.wrong() == 0, String.format(Locale.ROOT,
                "wrong=%d (status/code %d, sha256 %d, size %d, invalid %d, unknown id %d, good dead-lettered %d)",
                c.wrong(), c.wrongStatus(), c.shaMismatch(), c.sizeMismatch(), c.invalidResults(), c.unknownResults(),
                c.goodDeadLettered()));
        result.criterion("no output object without a result", c.orphans() == 0, "orphans=" + c.orphans()
                + " of " + c.outputObjects() + " objects");
        result.criterion("everything committed", c.groupLag() == 0, "group lag " + c.groupLag());
        if (!collector.invalidMetrics().isEmpty()) {
            result.note("worker metrics records that do not validate: " + collector.invalidMetrics());
        }
        return c;
    }

    /** The statistics of the run so far (t = 0 at {@link #markLoadStart()}). */
    public RunStats stats() {
        List<RunStats.Event> events = new ArrayList<>();
        for (int i = 0; i < eventTimes.size(); i++) {
            double t = (eventTimes.get(i) - loadStartMs) / 1000.0;
            if (t > 0.05) { // events before the load (the first workers' start) are not plotted
                events.add(new RunStats.Event(t, eventLabels.get(i)));
            }
        }
        return new RunStats(loadStartMs, System.currentTimeMillis(), generator.sent(), collector.results(),
                collector.metrics(), List.copyOf(deviceSamples), events);
    }

    /**
     * The "back to steady level" criterion: answers per second in [postFrom, postTo) at least {@code ratio} of
     * those in [preFrom, preTo); also reports how long after {@code faultEnd} the backlog was back to its
     * pre-fault level.
     */
    public void recoveryCriterion(ScenarioResult result, RunStats stats, double preFrom, double preTo, double faultEnd,
            double postFrom, double postTo, double ratio) {
        double pre = stats.throughputBetween(preFrom, preTo);
        double post = stats.throughputBetween(postFrom, postTo);
        double preBacklog = 0;
        for (double t = preFrom; t < preTo - 1; t += 1) {
            preBacklog = Math.max(preBacklog, stats.backlogAt(t));
        }
        double recovered = Double.NaN;
        double allowance = preBacklog + Math.max(2, pre);
        for (double t = faultEnd; t <= stats.durationSeconds(); t += 1) {
            if (stats.backlogAt(t) <= allowance) {
                recovered = t - faultEnd;
                break;
            }
        }
        result.criterion("throughput back to steady level", post >= ratio * pre, String.format(Locale.ROOT,
                "before the fault %.2f/s [%.0f-%.0f s], at the end %.2f/s [%.0f-%.0f s] (>= %.0f %%)", pre, preFrom,
                preTo, post, postFrom, postTo, ratio * 100));
        result.benchmark("throughputBeforeFault", round(pre));
        result.benchmark("throughputAfterFault", round(post));
        result.benchmark("recoverySeconds", Double.isNaN(recovered) ? null : round(recovered));
    }

    static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }

    /** Stops every worker still running and closes the clients. */
    @Override
    public void close() {
        closed = true;
        scraper.interrupt();
        generator.close();
        collector.close();
        for (WorkerProcess w : allWorkers) {
            if (w.isAlive()) {
                w.stop();
            }
        }
    }
}
