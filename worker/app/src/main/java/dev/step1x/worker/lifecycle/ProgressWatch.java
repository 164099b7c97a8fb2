package dev.step1x.worker.lifecycle;

import dev.step1x.engine.pipeline.EditProgress;
import java.util.function.LongSupplier;

/**
 * When the inference thread last showed progress: a poll for work while idle, a batch starting, or a denoising
 * step or stage the engine reported while a batch runs. Liveness is judged on the gap since then, so a batch that
 * takes minutes but keeps finishing steps is alive, and one stuck inside a step is not. Written by the inference
 * thread, read by the health probe.
 */
public final class ProgressWatch implements EditProgress {

    private final LongSupplier nanoClock;
    private volatile long lastNanos;
    private volatile long batchStartNanos;
    private volatile boolean inBatch;
    private volatile long steps;

    public ProgressWatch(LongSupplier nanoClock) {
        this.nanoClock = nanoClock;
        this.lastNanos = nanoClock.getAsLong();
    }

    /** The loop polled for work (idle, or between batches). */
    public void beat() {
        lastNanos = nanoClock.getAsLong();
    }

    public void batchStarted() {
        long now = nanoClock.getAsLong();
        batchStartNanos = now;
        lastNanos = now;
        inBatch = true;
    }

    public void batchEnded() {
        inBatch = false;
        lastNanos = nanoClock.getAsLong();
    }

    @Override
    public void stage(String name) {
        lastNanos = nanoClock.getAsLong();
    }

    @Override
    public void step(int done, int total) {
        lastNanos = nanoClock.getAsLong();
        steps++; // only the inference thread writes it
    }

    /** Nanoseconds since the last sign of progress. */
    public long stalledNanos() {
        return nanoClock.getAsLong() - lastNanos;
    }

    /** Nanoseconds the running batch has been on the engine (0: none running). */
    public long batchNanos() {
        return inBatch ? nanoClock.getAsLong() - batchStartNanos : 0;
    }

    /** Denoising steps reported since the start, over all batches. */
    public long steps() {
        return steps;
    }
}
