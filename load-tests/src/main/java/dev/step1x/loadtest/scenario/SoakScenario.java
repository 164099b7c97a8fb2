package dev.step1x.loadtest.scenario;

import dev.step1x.loadtest.env.WorkerProcess;
import dev.step1x.loadtest.gen.Generator;
import dev.step1x.loadtest.gen.Profile;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code soak}: the real engine (demo model) under steady load for at least ten minutes, its memory sampled every
 * ten seconds. A leak shows as a slope: of the process's resident memory, of its native memory in use (malloc'd and
 * not freed: libtorch's host tensors; the resident size alone is a high-water mark under the worker's malloc trim
 * threshold), or of the engine's live tensors. The tensor count is also read
 * with the worker idle before and after the load: those two must be equal, since every batch closes its manager.
 */
final class SoakScenario {

    /** Seconds between samples. */
    static final int SAMPLE_EVERY_S = 5;
    /**
     * Samples are reduced to each window's floor (its smallest value) before the fit: a sample taken mid-batch
     * carries that batch's working memory, which depends on the bucket and is not a leak; a leak lifts the floor.
     */
    static final int WINDOW_S = 60;
    /**
     * Share of the load's duration treated as warm-up, not fitted: JIT, lazy caches, and above all the allocator. The
     * worker runs with a malloc trim threshold that keeps freed memory, so the resident size climbs to the high-water
     * mark of the largest shapes seen and stays there; with the gedit mix (five aspect ratios, instructions of every
     * length) new shapes keep coming for the first few minutes (measured: the last step 4 minutes in).
     */
    static final double WARM_UP_SHARE = 0.5;
    /** The most growth of resident memory after warm-up that still counts as flat, MiB per minute. */
    static final double RSS_MIB_PER_MIN = 4;
    /** The most growth of native memory in use (malloc'd, not freed) that still counts as flat, MiB per minute. */
    static final double NATIVE_MIB_PER_MIN = 2;

    private SoakScenario() {}

    /** One sample: seconds since the load started, bytes, bytes, tensors (NaN where the worker did not say). */
    record Sample(double t, double rss, double nativeBytes, double tensors, double deviceBytes) {}

    static void soak(ScenarioContext ctx, ScenarioResult r) throws InterruptedException {
        Profile p = Scenarios.profile(ctx);
        try (LoadRun run = Scenarios.open(ctx, r, "soak", p, 4)) {
            WorkerProcess w = run.startWorker("w1", false);
            double rate = Scenarios.rate(run, ctx, Scenarios.LOAD);
            waitIdle(run, w);
            double tensorsBefore = w.metric("step1x_engine_live_tensors").orElse(Double.NaN);
            double secs = ctx.settings().seconds(150, 150);   // demo: 600 s at scale 1
            run.markLoadStart();
            run.generator().startOpenLoop(List.of(new Generator.Phase(rate, Scenarios.count(rate, secs))));
            List<Sample> samples = new ArrayList<>();
            while (run.t() < secs) {
                samples.add(sample(run, w));
                Thread.sleep(SAMPLE_EVERY_S * 1000L);
            }
            run.finish(r, Scenarios.settle(ctx));
            Scenarios.common(r, r.stats(), rate);
            waitIdle(run, w);
            double tensorsAfter = w.metric("step1x_engine_live_tensors").orElse(Double.NaN);

            List<Sample> fitted = floors(samples.stream().filter(s -> s.t() >= WARM_UP_SHARE * secs).toList());
            double rssSlope = slope(fitted, Sample::rss) * 60 / MIB;
            double nativeSlope = slope(fitted, Sample::nativeBytes) * 60 / MIB;
            double tensorSlope = slope(fitted, Sample::tensors) * 60;
            r.benchmark("soakSeconds", LoadRun.round(secs));
            r.benchmark("samples", samples.size());
            r.benchmark("rssMiBPerMin", LoadRun.round(rssSlope));
            r.benchmark("nativeMiBPerMin", LoadRun.round(nativeSlope));
            r.benchmark("liveTensorsPerMin", LoadRun.round(tensorSlope));
            r.benchmark("liveTensorsIdleBefore", tensorsBefore);
            r.benchmark("liveTensorsIdleAfter", tensorsAfter);
            r.note("memory over time, one-minute floors (t s: RSS MiB / native MiB in use / live tensors / GPU MiB): "
                    + table(floors(samples)));
            r.criterion("resident memory flat after warm-up", rssSlope <= RSS_MIB_PER_MIN, String.format(Locale.ROOT,
                    "%.2f MiB/min over %d one-minute floors after %.0f s (limit %.0f)", rssSlope, fitted.size(),
                    WARM_UP_SHARE * secs, RSS_MIB_PER_MIN));
            r.criterion("native memory flat after warm-up", nativeSlope <= NATIVE_MIB_PER_MIN, String.format(
                    Locale.ROOT, "%.2f MiB/min (malloc'd bytes in use, glibc mallinfo2; limit %.0f)", nativeSlope,
                    NATIVE_MIB_PER_MIN));
            r.criterion("the engine's live tensors come back to where they were", !Double.isNaN(tensorsBefore)
                    && tensorsBefore == tensorsAfter, String.format(Locale.ROOT,
                    "idle before the load %.0f, idle after it %.0f; slope under load %.2f/min", tensorsBefore,
                    tensorsAfter, tensorSlope));
        }
    }

    private static final double MIB = 1024.0 * 1024.0;

    private static Sample sample(LoadRun run, WorkerProcess w) {
        double rss = w.metric("step1x_process_resident_memory_bytes").orElse(Double.NaN);
        return new Sample(run.t(), rss, w.metric("step1x_process_native_heap_in_use_bytes").orElse(Double.NaN),
                w.metric("step1x_engine_live_tensors").orElse(Double.NaN),
                w.metric("step1x_engine_device_memory_used_bytes").orElse(Double.NaN));
    }

    /** Waits until nothing is queued or running (the live-tensor figure is then weights and adapters only). */
    private static void waitIdle(LoadRun run, WorkerProcess w) throws InterruptedException {
        long until = System.nanoTime() + 120_000_000_000L;
        int quiet = 0;
        while (System.nanoTime() < until && quiet < 3) {
            boolean idle = w.metric("step1x_worker_in_flight").orElse(1) == 0
                    && w.metric("step1x_inference_pending_request_count").orElse(1) == 0;
            quiet = idle ? quiet + 1 : 0;
            Thread.sleep(500);
        }
        run.ctx().log("  worker idle: %.0f live tensors", w.metric("step1x_engine_live_tensors")
                .orElse(Double.NaN));
    }

    /** Per window of {@link #WINDOW_S} seconds: the window's start and the smallest value of each figure in it. */
    static List<Sample> floors(List<Sample> samples) {
        java.util.TreeMap<Long, List<Sample>> windows = new java.util.TreeMap<>();
        for (Sample s : samples) {
            windows.computeIfAbsent((long) Math.floor(s.t() / WINDOW_S), k -> new ArrayList<>()).add(s);
        }
        List<Sample> out = new ArrayList<>();
        windows.forEach((w, in) -> out.add(new Sample(w * (double) WINDOW_S, min(in, Sample::rss),
                min(in, Sample::nativeBytes), min(in, Sample::tensors), min(in, Sample::deviceBytes))));
        return out;
    }

    private static double min(List<Sample> in, java.util.function.ToDoubleFunction<Sample> f) {
        return in.stream().mapToDouble(f).filter(v -> !Double.isNaN(v)).min().orElse(Double.NaN);
    }

    /** Least-squares slope of {@code y} over t, per second; NaN with fewer than three usable samples. */
    static double slope(List<Sample> samples, java.util.function.ToDoubleFunction<Sample> y) {
        double n = 0, st = 0, sy = 0, stt = 0, sty = 0;
        for (Sample s : samples) {
            double v = y.applyAsDouble(s);
            if (Double.isNaN(v)) {
                continue;
            }
            n++;
            st += s.t();
            sy += v;
            stt += s.t() * s.t();
            sty += s.t() * v;
        }
        double d = n * stt - st * st;
        return n < 3 || d == 0 ? Double.NaN : (n * sty - st * sy) / d;
    }

    private static String table(List<Sample> samples) {
        StringBuilder b = new StringBuilder();
        for (Sample s : samples) {
            b.append(String.format(Locale.ROOT, "%s%.0f: %.0f / %.0f / %.0f / %s", b.length() == 0 ? "" : "; ", s.t(),
                    s.rss() / MIB, s.nativeBytes() / MIB, s.tensors(),
                    Double.isNaN(s.deviceBytes()) ? "n/a" : String.format(Locale.ROOT, "%.0f", s.deviceBytes() / MIB)));
        }
        return b.toString();
    }
}
