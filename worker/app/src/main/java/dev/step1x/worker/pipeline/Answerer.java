package dev.step1x.worker.pipeline;

import dev.step1x.contracts.ContractJson;
import dev.step1x.contracts.ContractValidator;
import dev.step1x.contracts.EditParams;
import dev.step1x.contracts.EditRequest;
import dev.step1x.contracts.EditResult;
import dev.step1x.contracts.ErrorCode;
import dev.step1x.contracts.ModelVersion;
import dev.step1x.contracts.ResultStatus;
import dev.step1x.contracts.Timings;
import dev.step1x.contracts.ValidationResult;
import dev.step1x.worker.engine.WorkerIdentity;
import dev.step1x.worker.metrics.CpuMeter;
import dev.step1x.worker.metrics.WorkerMeters;
import dev.step1x.worker.metrics.WorkerStats;
import dev.step1x.worker.publish.ResultSink;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last stage: builds each request's {@link EditResult}, checks it against the contract, publishes it to every
 * delivery of the request, and reports their completion once the broker has it (a result is published before its
 * record is acknowledged). Final results are remembered so that a redelivery gets the identical bytes. Runs on
 * whichever thread answers (finisher, prefetch, consumer, inference for failures).
 */
public final class Answerer {

    private static final Logger log = LoggerFactory.getLogger(Answerer.class);

    private final Deliveries deliveries;
    private final ResultSink sink;
    private final WorkerIdentity identity;
    private final WorkerStats stats;
    private final MeterRegistry meters;
    private final CpuMeter cpu;
    private final Clock clock;
    private final RequestStarts starts;
    private final ContractValidator validator = ContractValidator.shared();

    public Answerer(Deliveries deliveries, ResultSink sink, WorkerIdentity identity, WorkerStats stats,
            MeterRegistry meters, CpuMeter cpu, Clock clock, RequestStarts starts) {
        this.deliveries = deliveries;
        this.sink = sink;
        this.identity = identity;
        this.stats = stats;
        this.meters = meters;
        this.cpu = cpu;
        this.clock = clock;
        this.starts = starts;
    }

    /** A request that ran: SUCCEEDED with its output and every stage's time. */
    void succeeded(Stored s) {
        Edited e = s.edited();
        Prepared p = e.prepared();
        EditRequest r = p.accepted().request();
        Map<String, Double> st = e.output().stageMillis() == null ? Map.of() : e.output().stageMillis();
        Timings t = new Timings(round(e.queueMs()), round(p.fetchMs()), round(p.decodeMs()), round(st.get("mllm")),
                round(st.get("vaeEncode")), round(st.get("denoise")), round(st.get("vaeDecode")), round(s.encodeMs()),
                round(s.uploadMs()), round(totalMs(p.accepted())));
        answer(p.accepted(), EditResult.succeeded(r, s.output(), t, e.batch(), workerInfo(r.params().modelVersion()),
                p.accepted().delivery().attempt(), clock.instant()));
    }

    /**
     * A request answered from the output object an earlier run made for it (not computed again): SUCCEEDED with
     * that object, only the total time, and no batch.
     */
    void reused(Accepted a, EditResult.OutputRef existing) {
        EditRequest r = a.request();
        Timings t = new Timings(null, null, null, null, null, null, null, null, null, round(totalMs(a)));
        answer(a, EditResult.succeeded(r, existing, t, null, workerInfo(r.params().modelVersion()),
                a.delivery().attempt(), clock.instant()));
    }

    /** A request that failed before its input was ready. */
    void failed(Accepted a, RequestFailure f) {
        answer(a, failure(a, f, null, null, null, null));
    }

    /** A request that failed once its input was fetched (in its batch, or expired in the queue). */
    void failed(Prepared p, RequestFailure f, EditResult.BatchInfo batch, Double queueMs) {
        answer(p.accepted(), failure(p.accepted(), f, batch, queueMs, p.fetchMs(), p.decodeMs()));
    }

    /** A request that failed after its batch ran (writing the output). */
    void failed(Edited e, RequestFailure f) {
        Prepared p = e.prepared();
        answer(p.accepted(), failure(p.accepted(), f, e.batch(), e.queueMs(), p.fetchMs(), p.decodeMs()));
    }

    /** Answers a delivery of an already answered request with that answer's bytes. */
    void republish(String requestId, ResultCache.Cached cached, Delivery d) {
        sink.result(requestId, cached.resultJson(), cached.attempt(), d.traceparent())
                .thenRun(d.completion()::complete);
    }

    /**
     * Answers a record that never became a request (invalid, or unparseable with a usable id): REJECTED with
     * {@code code}. The future completes once the broker has the result.
     */
    public CompletableFuture<Void> reject(String requestId, ErrorCode code, String message, long recordTimestampMs,
            int attempt, String traceparent) {
        double total = Math.max(0, clock.millis() - recordTimestampMs);
        EditResult r = EditResult.unsuccessful(requestId, code, message, new Timings(null, null, null, null, null,
                null, null, null, null, round(total)), null, workerInfo(EditParams.DEFAULT_MODEL_VERSION), attempt,
                clock.instant(), null);
        byte[] json = serialize(r);
        count(r, total);
        return sink.result(requestId, json, attempt, traceparent);
    }

    /**
     * Gives a request up when this worker no longer owns it or any delivery attached to it (revoked partitions): not
     * answered, not committed here; the partitions' new owners run it.
     *
     * @return true when it was given up
     */
    public boolean giveUpIfRevoked(Accepted a) {
        if (!a.delivery().completion().revoked()) {
            return false;
        }
        List<Delivery> attached = deliveries.releaseIfAllRevoked(a.inFlightKey());
        if (attached == null) {
            return false;
        }
        a.delivery().completion().abandon();
        attached.forEach(d -> d.completion().abandon());
        return true;
    }

    /** Gives a request up without answering it: its deliveries are redelivered later. */
    public void abandon(Accepted a) {
        starts.abandoned(a);
        a.delivery().completion().abandon();
        deliveries.release(a.inFlightKey()).forEach(d -> d.completion().abandon());
    }

    private EditResult failure(Accepted a, RequestFailure f, EditResult.BatchInfo batch, Double queueMs,
            Double fetchMs, Double decodeMs) {
        EditRequest r = a.request();
        Timings t = new Timings(round(queueMs), round(fetchMs), round(decodeMs), null, null, null, null, null, null,
                round(totalMs(a)));
        EditResult.ErrorDetail d = EditResult.ErrorDetail.of(f.code(), f.getMessage());
        if (f.retryable() != null) {
            d = new EditResult.ErrorDetail(d.code(), d.message(), f.retryable());
        }
        return new EditResult(EditResult.SCHEMA_VERSION, r.requestId(), f.code().status(), null, d, t, batch,
                workerInfo(r.params().modelVersion()), a.delivery().attempt(), clock.instant(), r.metadata());
    }

    private void answer(Accepted a, EditResult result) {
        byte[] json = serialize(result);
        boolean isFinal = result.isSucceeded() || !result.error().retryable();
        count(result, result.timings() == null || result.timings().total() == null ? 0 : result.timings().total());
        starts.answered(a, result);
        List<Delivery> attached = deliveries.settle(a.requestId(), a.inFlightKey(),
                isFinal ? new ResultCache.Cached(a.payloadHash(), json, a.delivery().attempt()) : null);
        Delivery own = a.delivery();
        sink.result(a.requestId(), json, own.attempt(), own.traceparent()).thenRun(own.completion()::complete);
        for (Delivery d : attached) {
            sink.result(a.requestId(), json, own.attempt(), d.traceparent()).thenRun(d.completion()::complete);
        }
    }

    private double totalMs(Accepted a) {
        return Math.max(0, clock.millis() - a.recordTimestampMs());
    }

    private void count(EditResult r, double totalMs) {
        String code = r.error() == null ? "none" : r.error().code().name();
        WorkerMeters.RESULTS.counter(meters, "status", r.status().name(), "code", code).increment();
        if (r.status() != ResultStatus.SUCCEEDED || totalMs > 0) {
            WorkerMeters.REQUEST_DURATION.timer(meters, "status", r.status().name())
                    .record((long) (totalMs * 1e6), TimeUnit.NANOSECONDS);
        }
        stats.result(r.status(), totalMs);
    }

    /** The result as JSON, checked against the contract first. */
    private byte[] serialize(EditResult r) {
        long c0 = CpuMeter.start();
        try {
            ValidationResult v = validator.validateValue(r);
            if (!v.valid()) {
                // A bug in the worker: say so in a result that does validate rather than publish garbage.
                log.error("result for {} does not validate: {}", r.requestId(), v);
                EditResult fallback = EditResult.unsuccessful(r.requestId(), ErrorCode.INTERNAL_ERROR,
                        "the worker built an invalid result: " + v, null, null, r.worker(), r.attempt(),
                        r.completedAt(), r.metadata());
                return ContractJson.toBytes(fallback);
            }
            return ContractJson.toBytes(r);
        } finally {
            cpu.stop(CpuMeter.Part.JSON, c0);
        }
    }

    private EditResult.WorkerInfo workerInfo(ModelVersion v) {
        return new EditResult.WorkerInfo(identity.id(), v, identity.device(), identity.engineVersion(),
                identity.simulated());
    }

    private static Double round(Double ms) {
        return ms == null ? null : Math.round(Math.max(0, ms) * 100) / 100.0;
    }
}
