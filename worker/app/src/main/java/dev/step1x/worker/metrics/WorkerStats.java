package dev.step1x.worker.metrics;

import dev.step1x.contracts.ResultStatus;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Counts for the periodic {@code WorkerMetrics} snapshot: deltas since the last snapshot, latencies of the
 * window and the engine's busy time. Thread-safe.
 */
public final class WorkerStats {

    /** One window's numbers, taken (and reset) by {@link #takeWindow()}. */
    public record Window(long succeeded, long failed, long rejected, long expired, long batches, long rows,
            long deadLettered, List<Double> latenciesMs, long busyNanos, long startNanos, long endNanos) {}

    private long succeeded;
    private long failed;
    private long rejected;
    private long expired;
    private long batches;
    private long rows;
    private long deadLettered;
    private long busyNanos;
    private List<Double> latencies = new ArrayList<>();
    private long windowStart = System.nanoTime();

    public synchronized void result(ResultStatus status, double totalMs) {
        switch (status) {
            case SUCCEEDED -> succeeded++;
            case FAILED -> failed++;
            case REJECTED -> rejected++;
            case EXPIRED -> expired++;
        }
        if (latencies.size() < 100_000) {
            latencies.add(totalMs);
        }
    }

    public synchronized void batch(int batchRows, long nanos) {
        batches++;
        rows += batchRows;
        busyNanos += nanos;
    }

    public synchronized void deadLettered() {
        deadLettered++;
    }

    public synchronized Window takeWindow() {
        long now = System.nanoTime();
        List<Double> l = latencies;
        Collections.sort(l);
        Window w = new Window(succeeded, failed, rejected, expired, batches, rows, deadLettered, l, busyNanos,
                windowStart, now);
        succeeded = failed = rejected = expired = batches = rows = deadLettered = busyNanos = 0;
        latencies = new ArrayList<>();
        windowStart = now;
        return w;
    }

    /** The p-quantile (0..1) of a sorted list, nearest rank. */
    public static double quantile(List<Double> sorted, double p) {
        if (sorted.isEmpty()) {
            return 0;
        }
        int idx = (int) Math.ceil(p * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, idx)));
    }
}
