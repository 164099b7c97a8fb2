package dev.step1x.worker.engine;

import dev.step1x.engine.image.RgbImage;
import dev.step1x.engine.pipeline.BucketKey;
import dev.step1x.engine.pipeline.EditEngine;
import dev.step1x.engine.pipeline.EditInput;
import dev.step1x.engine.pipeline.EditProgress;
import dev.step1x.engine.pipeline.EditOutput;
import dev.step1x.engine.runtime.ProcessMemory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A stand-in for the real Step1X-Edit pipeline with the same contract: one bucket per call, one output
 * per input, each output depending only on its own input (so batched equals alone), pixels at the bucket's
 * size. The "edit" is deterministic and visible: the picture at the bucket's working size (the caller's
 * {@link EditInput#resized()}, else a nearest-neighbour resize here) with its colours inverted. With
 * {@code varyPerRun} (the load tests turn it on) each run also moves a few small patches by one level, from a seed
 * drawn for that run, as the real engine's bytes move between runs of one request (a batch of other rows, another
 * GPU type): a request computed twice then gets two different outputs, so a worker that re-computes instead of
 * reusing its output shows. A batch costs
 * {@code base + rows * (perRow + perStepMegapixel * steps * megapixels)} of wall time ({@link Thread#sleep}), split
 * over the stage names the real engine reports; the denoising share is slept one step at a time and each step is
 * reported to the caller's {@link EditProgress}, as the real pipeline does.
 * For tests of the crash-loop protection, {@link #crashingOn} makes a batch holding a given instruction halt the
 * JVM, as a native crash of the real engine would.
 */
public final class SimulatedEditEngine implements EditEngine {

    /** The exit code of a halt by {@link #crashingOn} (as a process killed by SIGABRT reports it). */
    public static final int CRASH_EXIT_CODE = 134;

    private final Duration base;
    private final Duration perRow;
    private final Duration perStepMegapixel;
    private final long deviceMemoryPixels;
    private final double plannerOptimism;
    private final boolean varyPerRun;
    private final java.util.concurrent.atomic.AtomicLong runs = new java.util.concurrent.atomic.AtomicLong();
    private volatile boolean closed;
    private volatile String crashInstruction;

    /** Unlimited device memory. */
    public SimulatedEditEngine(Duration base, Duration perRow) {
        this(base, perRow, 0, 1.0);
    }

    /**
     * With a simulated device memory: a batch whose rows' bucket pixels add up to more than
     * {@code deviceMemoryPixels} fails as CUDA does ("CUDA out of memory ..."), and the engine's plan
     * ({@link #maxBatchRequests}) claims {@code plannerOptimism} times what really fits, so values above 1
     * stand for a planner that underestimates and let the worker's out-of-memory handling be exercised.
     *
     * @param deviceMemoryPixels 0: unlimited
     */
    public SimulatedEditEngine(Duration base, Duration perRow, long deviceMemoryPixels, double plannerOptimism) {
        this(base, perRow, deviceMemoryPixels, plannerOptimism, false);
    }

    /** @param varyPerRun each run of a request gives slightly different output bytes (seeded from the run) */
    public SimulatedEditEngine(Duration base, Duration perRow, long deviceMemoryPixels, double plannerOptimism,
            boolean varyPerRun) {
        this(base, perRow, Duration.ZERO, deviceMemoryPixels, plannerOptimism, varyPerRun);
    }

    /**
     * @param perStepMegapixel device time of one row's denoising step per megapixel of its bucket (0: the cost does
     *     not depend on steps or size), so that 100-step 1024² rows take longer than 28-step 512² ones
     */
    public SimulatedEditEngine(Duration base, Duration perRow, Duration perStepMegapixel, long deviceMemoryPixels,
            double plannerOptimism, boolean varyPerRun) {
        if (base.isNegative() || perRow.isNegative() || perStepMegapixel.isNegative()) {
            throw new IllegalArgumentException("simulated costs must be >= 0");
        }
        if (deviceMemoryPixels < 0 || !(plannerOptimism > 0)) {
            throw new IllegalArgumentException("simulated device memory must be >= 0 and planner optimism > 0, got "
                    + deviceMemoryPixels + " and " + plannerOptimism);
        }
        this.base = base;
        this.perRow = perRow;
        this.perStepMegapixel = perStepMegapixel;
        this.deviceMemoryPixels = deviceMemoryPixels;
        this.plannerOptimism = plannerOptimism;
        this.varyPerRun = varyPerRun;
    }

    /**
     * Test only: a batch with a row whose instruction contains {@code text} halts the JVM with
     * {@link #CRASH_EXIT_CODE} (no shutdown hooks, no answer: what a segfault in native code does).
     *
     * @param text null or blank: never
     */
    public SimulatedEditEngine crashingOn(String text) {
        this.crashInstruction = text == null || text.isBlank() ? null : text;
        return this;
    }

    @Override
    public int maxBatchRequests(BucketKey bucket) {
        if (deviceMemoryPixels == 0) {
            return Integer.MAX_VALUE;
        }
        return (int) Math.min(Integer.MAX_VALUE, (long) (deviceMemoryPixels * plannerOptimism) / pixels(bucket));
    }

    private static long pixels(BucketKey bucket) {
        return (long) bucket.width() * bucket.height();
    }

    @Override
    public List<EditOutput> edit(List<EditInput> inputs) {
        return edit(inputs, EditProgress.NONE);
    }

    @Override
    public List<EditOutput> edit(List<EditInput> inputs, EditProgress progress) {
        if (closed) {
            throw new IllegalStateException("engine closed");
        }
        if (inputs.isEmpty()) {
            return List.of();
        }
        long t0 = System.nanoTime();
        BucketKey bucket = inputs.get(0).bucket();
        for (EditInput in : inputs) {
            if (!in.bucket().equals(bucket)) {
                throw new IllegalArgumentException("inputs of one batch must share a bucket: " + bucket + " vs " + in.bucket());
            }
        }
        if (deviceMemoryPixels > 0 && pixels(bucket) * inputs.size() > deviceMemoryPixels) {
            throw new IllegalStateException("CUDA out of memory (simulated): " + inputs.size() + " rows of " + bucket
                    + " need " + pixels(bucket) * inputs.size() + " pixels of memory, the device holds "
                    + deviceMemoryPixels);
        }
        double costMs = costMillis(bucket, inputs.size());
        // the model's stages in the order it runs them; the denoising share one step at a time, each reported
        int steps = Math.max(1, bucket.steps());
        progress.stage("mllm");
        sleepUntil(t0, costMs * 0.15);
        progress.stage("denoise");
        for (int i = 1; i <= steps; i++) {
            sleepUntil(t0, costMs * (0.15 + 0.80 * i / steps));
            progress.step(i, steps);
        }
        progress.stage("vaeDecode");
        sleepUntil(t0, costMs);
        haltOnCrashInstruction(inputs);
        List<RgbImage> images = new ArrayList<>(inputs.size());
        // one seed per run (a batch): its rows differ from any other run of the same requests
        java.util.SplittableRandom run = new java.util.SplittableRandom(System.nanoTime() ^ runs.incrementAndGet() << 32);
        for (EditInput in : inputs) {
            RgbImage work = in.resized() != null ? in.resized() : resize(in.image(), bucket.width(), bucket.height());
            RgbImage edited = invert(work);
            images.add(varyPerRun ? nudge(edited, run) : edited);
        }
        double totalMs = (System.nanoTime() - t0) / 1e6;
        Map<String, Double> stages = new LinkedHashMap<>();
        // The sleep stands for the model; split it the way a real batch roughly spends its time.
        stages.put("mllm", costMs * 0.10);
        stages.put("vaeEncode", costMs * 0.05);
        stages.put("denoise", costMs * 0.80);
        stages.put("vaeDecode", costMs * 0.05);
        stages.put("total", totalMs);
        Map<String, Double> stageMillis = Map.copyOf(stages);
        long rss = ProcessMemory.residentBytes();
        List<EditOutput> out = new ArrayList<>(inputs.size());
        for (int i = 0; i < inputs.size(); i++) {
            EditInput in = inputs.get(i);
            out.add(new EditOutput(images.get(i), in.image().width(), in.image().height(), bucket, stageMillis,
                    inputs.size(), rss));
        }
        return out;
    }

    /** Simulated device time of one batch of {@code rows} rows of {@code bucket}, milliseconds. */
    public double costMillis(BucketKey bucket, int rows) {
        double perStep = perStepMegapixel.toNanos() / 1e6 * bucket.steps() * pixels(bucket) / 1e6;
        return base.toMillis() + rows * (perRow.toMillis() + perStep);
    }

    /** Side of the square patches {@link #nudge} moves. */
    static final int NUDGE_PATCH = 32;

    /**
     * Moves four {@value #NUDGE_PATCH}-pixel square patches, placed by {@code run}, by one level, as a different batch
     * or GPU would. Patches rather than single samples: the output is resized back to the input's size after the
     * engine, and a lone sample moved by one level would be averaged away when that shrinks the picture.
     */
    static RgbImage nudge(RgbImage img, java.util.SplittableRandom run) {
        byte[] d = img.data().clone();
        int w = img.width();
        int h = img.height();
        for (int p = 0; p < 4; p++) {
            int x0 = run.nextInt(Math.max(1, w - NUDGE_PATCH + 1));
            int y0 = run.nextInt(Math.max(1, h - NUDGE_PATCH + 1));
            for (int y = y0; y < Math.min(h, y0 + NUDGE_PATCH); y++) {
                for (int x = x0; x < Math.min(w, x0 + NUDGE_PATCH); x++) {
                    for (int c = 0, at = (y * w + x) * RgbImage.CHANNELS; c < RgbImage.CHANNELS; c++, at++) {
                        int v = d[at] & 0xFF;
                        d[at] = (byte) (v == 255 ? 254 : v + 1);
                    }
                }
            }
        }
        return new RgbImage(w, h, d);
    }

    /** Whether each run of a request gives different output bytes. */
    public boolean variesPerRun() {
        return varyPerRun;
    }

    @Override
    public String describe() {
        return "simulated engine (no model; output = colour-inverted input" + (varyPerRun
                ? ", a few samples moved by one level per run" : "") + "), cost " + base.toMillis() + " ms + "
                + perRow.toMillis() + " ms/row" + (perStepMegapixel.isZero() ? ""
                        : " + " + perStepMegapixel.toNanos() / 1e6 + " ms per row-step-megapixel") + (deviceMemoryPixels == 0 ? ""
                        : ", device memory " + deviceMemoryPixels + " px, planner optimism " + plannerOptimism);
    }

    @Override
    public void close() {
        closed = true;
    }

    static RgbImage invert(RgbImage img) {
        byte[] s = img.data();
        byte[] d = new byte[s.length];
        for (int i = 0; i < d.length; i++) {
            d[i] = (byte) ~s[i]; // 255 - v
        }
        return new RgbImage(img.width(), img.height(), d);
    }

    /** Nearest-neighbour resize (deterministic, no AWT). */
    static RgbImage resize(RgbImage src, int w, int h) {
        if (src.width() == w && src.height() == h) {
            return src;
        }
        byte[] s = src.data();
        byte[] d = new byte[w * h * RgbImage.CHANNELS];
        for (int y = 0; y < h; y++) {
            int sy = (int) ((long) y * src.height() / h);
            for (int x = 0; x < w; x++) {
                int sx = (int) ((long) x * src.width() / w);
                int si = (sy * src.width() + sx) * RgbImage.CHANNELS;
                int di = (y * w + x) * RgbImage.CHANNELS;
                d[di] = s[si];
                d[di + 1] = s[si + 1];
                d[di + 2] = s[si + 2];
            }
        }
        return new RgbImage(w, h, d);
    }

    /** Sleeps until {@code ms} milliseconds after {@code t0Nanos} (deadlines from the start: no rounding drift). */
    private static void sleepUntil(long t0Nanos, double ms) {
        long left = t0Nanos + (long) (ms * 1e6) - System.nanoTime();
        if (left <= 0) {
            return;
        }
        try {
            Thread.sleep(left / 1_000_000, (int) (left % 1_000_000));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private void haltOnCrashInstruction(List<EditInput> inputs) {
        String token = crashInstruction;
        if (token == null) {
            return;
        }
        for (EditInput in : inputs) {
            if (in.instruction() != null && in.instruction().contains(token)) {
                System.err.println("simulated engine: halting the JVM (exit " + CRASH_EXIT_CODE + ") on a batch of "
                        + inputs.size() + " with the configured crash instruction");
                System.err.flush();
                Runtime.getRuntime().halt(CRASH_EXIT_CODE);
            }
        }
    }
}
