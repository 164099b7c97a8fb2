package dev.step1x.worker.pipeline;

import dev.step1x.contracts.EditParams;
import dev.step1x.contracts.EditRequest;
import dev.step1x.contracts.ErrorCode;
import dev.step1x.worker.engine.AdapterCatalog;
import dev.step1x.worker.metrics.CpuMeter;
import java.time.Clock;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The first stage, on the consumer's thread (it never blocks): a valid request is answered from the result cache,
 * attached to an identical delivery in flight, refused by the worker's policy (bucket allow-lists, served model
 * versions), expired, or sent on to the {@link Prefetch}.
 */
public final class Intake {

    private static final Logger log = LoggerFactory.getLogger(Intake.class);

    /**
     * What this worker accepts.
     *
     * @param allowedInputBuckets buckets inputs may be read from ("*": any)
     * @param allowedOutputBuckets buckets outputs may be written to ("*": any)
     * @param servedVersions the model versions this worker serves (wire labels)
     * @param adapters the adapters requests may name
     */
    public record Policy(List<String> allowedInputBuckets, List<String> allowedOutputBuckets,
            List<String> servedVersions, AdapterCatalog adapters) {}

    private final Policy policy;
    private final Deliveries deliveries;
    private final Answerer answerer;
    private final Prefetch prefetch;
    private final Clock clock;
    private final CpuMeter cpu;

    public Intake(Policy policy, Deliveries deliveries, Answerer answerer, Prefetch prefetch, Clock clock,
            CpuMeter cpu) {
        this.policy = policy;
        this.deliveries = deliveries;
        this.answerer = answerer;
        this.prefetch = prefetch;
        this.clock = clock;
        this.cpu = cpu;
    }

    /**
     * A valid request (defaults applied) and the bytes it was parsed from.
     *
     * @param recordTimestampMs the record's timestamp
     */
    public void accept(EditRequest request, byte[] payload, long recordTimestampMs, Delivery delivery) {
        String hash = sha256(payload);
        String id = request.requestId();
        ResultCache.Cached cached = deliveries.answered(id, hash);
        if (cached != null) {
            log.debug("{}: duplicate delivery answered from the result cache", id);
            answerer.republish(id, cached, delivery);
            return;
        }
        if (!deliveries.claim(id, delivery)) {
            log.debug("{}: duplicate delivery attached to the one in flight", id);
            return;
        }
        Accepted a = new Accepted(request, hash, delivery, recordTimestampMs, clock.millis(), System.nanoTime());
        RequestFailure refused = check(request);
        if (refused != null) {
            answerer.failed(a, refused);
        } else if (request.deadline() != null && !clock.instant().isBefore(request.deadline())) {
            answerer.failed(a, new RequestFailure(ErrorCode.DEADLINE_EXCEEDED, "the deadline " + request.deadline()
                    + " passed before the request was taken"));
        } else {
            prefetch.submit(a);
        }
    }

    /** Allow-lists and served model versions; null when the request may run. */
    RequestFailure check(EditRequest r) {
        if (r.input() != null && !allowed(policy.allowedInputBuckets(), r.input().bucket())) {
            return new RequestFailure(ErrorCode.BUCKET_NOT_ALLOWED, "input bucket '" + r.input().bucket()
                    + "' is not on this worker's allow-list");
        }
        if (!allowed(policy.allowedOutputBuckets(), r.output().bucket())) {
            return new RequestFailure(ErrorCode.BUCKET_NOT_ALLOWED, "output bucket '" + r.output().bucket()
                    + "' is not on this worker's allow-list");
        }
        String version = r.params().modelVersion().wire();
        if (!policy.servedVersions().contains(version)) {
            return new RequestFailure(ErrorCode.MODEL_VERSION_UNAVAILABLE, "model version " + version
                    + " is not served here (served: " + policy.servedVersions() + ")");
        }
        EditParams.Adapter adapter = r.params().adapter();
        if (adapter != null) {
            AdapterCatalog.Entry entry = policy.adapters().lookup(adapter.name());
            if (entry instanceof AdapterCatalog.Unknown u) {
                return new RequestFailure(ErrorCode.ADAPTER_UNKNOWN, u.message());
            }
            if (entry instanceof AdapterCatalog.Incompatible i) {
                return new RequestFailure(ErrorCode.ADAPTER_INCOMPATIBLE, i.message());
            }
        }
        return null;
    }

    private static boolean allowed(List<String> list, String bucket) {
        return list.contains("*") || list.contains(bucket);
    }

    private String sha256(byte[] bytes) {
        long c0 = CpuMeter.start();
        try {
            return Hashing.sha256Hex(bytes);
        } finally {
            cpu.stop(CpuMeter.Part.HASH, c0);
        }
    }
}
