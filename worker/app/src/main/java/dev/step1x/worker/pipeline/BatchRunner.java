package dev.step1x.worker.pipeline;

import dev.step1x.contracts.EditResult;
import dev.step1x.contracts.ErrorCode;
import dev.step1x.engine.pipeline.BucketKey;
import dev.step1x.engine.pipeline.EditEngine;
import dev.step1x.engine.pipeline.EditOutput;
import dev.step1x.engine.pipeline.EditProgress;
import dev.step1x.worker.batching.BatchTimeBudget;
import dev.step1x.worker.batching.Batcher;
import dev.step1x.worker.batching.EngineLimits;
import dev.step1x.worker.metrics.WorkerMeters;
import dev.step1x.worker.metrics.WorkerStats;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The only stage on the device thread: runs a batch on the engine and hands its rows to the {@link Finisher}. A
 * batch that runs out of device memory is run again in halves (and the bucket's batches are capped from then on);
 * one that fails otherwise is run row by row, so one bad request does not fail the others. Before a batch runs, its
 * requests of revoked partitions are given up ({@link RevokedWork}) and a bucket whose lone request would outlast the
 * {@link BatchTimeBudget} is refused (EXCEEDS_TIME_BUDGET); after it ran, its time teaches the budget. Nothing else
 * happens here: the CPU work around the engine is the other stages'.
 */
public final class BatchRunner {

    private static final Logger log = LoggerFactory.getLogger(BatchRunner.class);
    private static final double[] ROW_SLOS = {1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 64};
    private static final double[] FILL_SLOS = {0.25, 0.5, 0.75, 1.0};
    private static final List<String> ENGINE_STAGES = List.of("mllm", "vaeEncode", "denoise", "vaeDecode");

    private final EngineLimits limits;
    private final BatchTimeBudget budget;
    private final RevokedWork revoked;
    private final Finisher finisher;
    private final Answerer answerer;
    private final WorkerStats stats;
    private final MeterRegistry meters;
    private final RequestStarts starts;
    private final AtomicLong peakNative = new AtomicLong();
    private volatile EditEngine engine;

    public BatchRunner(EngineLimits limits, BatchTimeBudget budget, RevokedWork revoked, Finisher finisher,
            Answerer answerer, WorkerStats stats, MeterRegistry meters, RequestStarts starts) {
        this.limits = limits;
        this.budget = budget;
        this.revoked = revoked;
        this.finisher = finisher;
        this.answerer = answerer;
        this.stats = stats;
        this.meters = meters;
        this.starts = starts;
        Gauge.builder(WorkerMeters.ENGINE_PEAK_MEMORY.meterName(), peakNative, AtomicLong::get)
                .description(WorkerMeters.ENGINE_PEAK_MEMORY.description()).baseUnit("bytes").register(meters);
    }

    /** The engine is open (called by the inference thread before its first batch). */
    public void engineReady(EditEngine e) {
        this.engine = e;
        limits.engineReady(e);
    }

    /** A Java heap exhaustion, or a device allocation failure as libtorch words it ("CUDA out of memory"). */
    static boolean isOutOfMemory(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof OutOfMemoryError || String.valueOf(t.getMessage()).toLowerCase(Locale.ROOT)
                    .contains("out of memory")) {
                return true;
            }
        }
        return false;
    }

    /** Runs one batch without watching its steps. */
    public void run(Batcher.Batch<Prepared> batch) {
        run(batch, EditProgress.NONE);
    }

    /** Runs one batch, telling {@code progress} of each finished denoising step; called only by the inference thread. */
    public void run(Batcher.Batch<Prepared> batch, EditProgress progress) {
        for (Prepared x : batch.expired()) {
            answerer.failed(x, new RequestFailure(ErrorCode.DEADLINE_EXCEEDED, "the deadline " + x.deadline()
                    + " passed while the request was queued"), null, null);
        }
        if (batch.isEmpty()) {
            return;
        }
        List<Prepared> items = revoked.keepOwned(batch.items());
        if (items.isEmpty()) {
            return;
        }
        if (items.size() != batch.items().size()) {
            batch = new Batcher.Batch<>(batch.key(), items, batch.maxRows(), List.of());
        }
        String overBudget = budget.refusal(batch.key());
        if (overBudget != null) {
            for (Prepared x : items) {
                answerer.failed(x, new RequestFailure(ErrorCode.EXCEEDS_TIME_BUDGET, overBudget), null, null);
            }
            return;
        }
        // Last step before the device: counts each row's start where it survives a crash (rows dropped or refused
        // above were never started); a row started before runs alone (null: split, the parts run through here again)
        if (starts.starting(batch, b -> run(b, progress)) == null) {
            return;
        }
        long start = System.nanoTime();
        List<EditOutput> outputs;
        try {
            outputs = engine.edit(items.stream().map(Prepared::input).toList(), progress);
            if (outputs.size() != items.size()) {
                throw new IllegalStateException("engine returned " + outputs.size() + " outputs for " + items.size());
            }
        } catch (RuntimeException | OutOfMemoryError e) {
            retryInParts(batch, e, start, progress);
            return;
        }
        long nanos = System.nanoTime() - start;
        budget.measured(batch.key(), items.size(), nanos);
        record(batch, outputs.get(0), nanos);
        EditResult.BatchInfo info = batchInfo(batch.key(), items.size());
        for (int i = 0; i < items.size(); i++) {
            Prepared p = items.get(i);
            double queueMs = queueMs(p, start);
            WorkerMeters.QUEUE_DURATION.timer(meters).record((long) (queueMs * 1e6), TimeUnit.NANOSECONDS);
            finisher.submit(new Edited(p, outputs.get(i), info, queueMs));
        }
    }

    private void retryInParts(Batcher.Batch<Prepared> batch, Throwable e, long start, EditProgress progress) {
        List<Prepared> items = batch.items();
        boolean oom = isOutOfMemory(e);
        if (items.size() > 1 && oom) {
            // the memory plan was too optimistic: halve this bucket's batches from now on, and run this one in halves
            int cap = limits.outOfMemory(batch.key(), items.size());
            int half = (items.size() + 1) / 2;
            log.warn("batch of {} in {} ran out of device memory ({}); running it as {} + {}, batches of this "
                    + "bucket now hold at most {}", items.size(), batch.key(), e.toString(), half, items.size() - half,
                    cap);
            WorkerMeters.BATCH_SPLITS.counter(meters).increment();
            run(new Batcher.Batch<>(batch.key(), items.subList(0, half), batch.maxRows(), List.of()), progress);
            run(new Batcher.Batch<>(batch.key(), items.subList(half, items.size()), batch.maxRows(), List.of()),
                    progress);
            return;
        }
        if (items.size() > 1) {
            // not memory: find the request that breaks the engine without failing the others
            log.warn("batch of {} in {} failed ({}); running its rows alone", items.size(), batch.key(), e.toString());
            WorkerMeters.BATCH_SPLITS.counter(meters).increment();
            for (Prepared x : items) {
                run(new Batcher.Batch<>(batch.key(), List.of(x), batch.maxRows(), List.of()), progress);
            }
            return;
        }
        log.error("{}: engine failed", items.get(0), e);
        answerer.failed(items.get(0), new RequestFailure(oom ? ErrorCode.DOES_NOT_FIT_DEVICE : ErrorCode.ENGINE_ERROR,
                "the engine failed: " + e), batchInfo(batch.key(), 1), queueMs(items.get(0), start));
    }

    private void record(Batcher.Batch<Prepared> batch, EditOutput first, long nanos) {
        int rows = batch.items().size();
        stats.batch(rows, nanos);
        WorkerMeters.INFERENCE_EXEC_COUNT.counter(meters).increment();
        WorkerMeters.INFERENCE_COUNT.counter(meters).increment(rows);
        WorkerMeters.BATCH_ROWS.summary(meters, ROW_SLOS, "bucket", batch.key().toString()).record(rows);
        WorkerMeters.BATCH_FILL_RATIO.summary(meters, FILL_SLOS).record((double) rows / Math.max(1, batch.maxRows()));
        WorkerMeters.STAGE_DURATION.timer(meters, "stage", "compute").record(nanos, TimeUnit.NANOSECONDS);
        Map<String, Double> stages = first.stageMillis();
        for (String s : ENGINE_STAGES) {
            Double ms = stages == null ? null : stages.get(s);
            if (ms != null) {
                WorkerMeters.STAGE_DURATION.timer(meters, "stage", snake(s)).record((long) (ms * 1e6),
                        TimeUnit.NANOSECONDS);
            }
        }
        peakNative.set(first.peakNativeBytes());
    }

    private static String snake(String camel) {
        return camel.replaceAll("([a-z])([A-Z])", "$1_$2").toLowerCase(Locale.ROOT);
    }

    /** Time in Kafka plus time in the worker before the batch started, less fetch and decode. */
    private static double queueMs(Prepared p, long batchStartNanos) {
        Accepted a = p.accepted();
        double inKafka = Math.max(0, a.receivedEpochMs() - a.recordTimestampMs());
        double inWorker = (batchStartNanos - a.receivedNanos()) / 1e6 - p.fetchMs() - p.decodeMs();
        return Math.max(0, inKafka + inWorker);
    }

    private static EditResult.BatchInfo batchInfo(BucketKey key, int rows) {
        return new EditResult.BatchInfo(rows, key.toString());
    }
}
