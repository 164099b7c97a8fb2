package dev.step1x.worker.publish;

import dev.step1x.contracts.ContractValidator;
import dev.step1x.contracts.ModelVersion;
import dev.step1x.contracts.ValidationResult;
import dev.step1x.contracts.WorkerMetrics;
import dev.step1x.engine.pipeline.BucketKey;
import dev.step1x.engine.runtime.ProcessMemory;
import dev.step1x.worker.batching.Batcher;
import dev.step1x.worker.engine.WorkerIdentity;
import dev.step1x.worker.metrics.WorkerStats;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Builds and publishes the periodic {@link WorkerMetrics} snapshot on image-edit.metrics. */
public final class MetricsSnapshotter implements Runnable {

    private static final Logger log = LoggerFactory.getLogger(MetricsSnapshotter.class);

    private final WorkerIdentity identity;
    private final ModelVersion version;
    private final WorkerStats stats;
    private final Batcher<?> batcher;
    private final ResultSink sink;
    private final Clock clock;

    /** @param version the model version the snapshot names (the newest this worker serves) */
    public MetricsSnapshotter(WorkerIdentity identity, ModelVersion version, WorkerStats stats, Batcher<?> batcher,
            ResultSink sink, Clock clock) {
        this.identity = identity;
        this.version = version;
        this.stats = stats;
        this.batcher = batcher;
        this.sink = sink;
        this.clock = clock;
    }

    @Override
    public void run() {
        try {
            WorkerMetrics m = snapshot();
            ValidationResult v = ContractValidator.shared().validateValue(m);
            if (!v.valid()) {
                log.error("metrics snapshot does not validate, not published: {}", v);
                return;
            }
            sink.metrics(m.workerId(), m);
        } catch (RuntimeException e) {
            log.warn("metrics snapshot failed: {}", e.toString());
        }
    }

    public WorkerMetrics snapshot() {
        WorkerStats.Window w = stats.takeWindow();
        double seconds = Math.max(1e-3, (w.endNanos() - w.startNanos()) / 1e9);
        Map<String, Long> buckets = new LinkedHashMap<>();
        long depth = 0;
        for (Map.Entry<BucketKey, Integer> e : batcher.depthByBucket().entrySet()) {
            if (e.getValue() > 0 && buckets.size() < 256) {
                buckets.put(e.getKey().toString(), (long) e.getValue());
            }
            depth += e.getValue();
        }
        WorkerMetrics.Latency latency = w.latenciesMs().isEmpty() ? null : new WorkerMetrics.Latency(
                WorkerStats.quantile(w.latenciesMs(), 0.50), WorkerStats.quantile(w.latenciesMs(), 0.90),
                WorkerStats.quantile(w.latenciesMs(), 0.99), w.latenciesMs().get(w.latenciesMs().size() - 1));
        long rss = ProcessMemory.residentBytes();
        double duty = Math.min(1.0, Math.max(0.0, w.busyNanos() / (seconds * 1e9)));
        WorkerIdentity id = identity;
        return new WorkerMetrics(WorkerMetrics.SCHEMA_VERSION, id.id(), clock.instant(), round(seconds),
                version, id.engineVersion(),
                new WorkerMetrics.Counters(new WorkerMetrics.RequestCounts(w.succeeded(), w.failed(), w.rejected(),
                        w.expired()), w.batches(), w.deadLettered()),
                new WorkerMetrics.Device(id.device(), rss > 0 ? rss : null, null, round(duty)),
                new WorkerMetrics.Queue(depth, buckets.isEmpty() ? null : buckets),
                latency,
                new WorkerMetrics.Throughput(round(w.succeeded() / seconds), round(w.batches() / seconds)));
    }

    private static double round(double v) {
        return Math.round(v * 10_000) / 10_000.0;
    }
}
