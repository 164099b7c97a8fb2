package dev.step1x.worker.pipeline;

import dev.step1x.contracts.EditRequest;
import dev.step1x.worker.metrics.CpuMeter;
import java.time.Clock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The first stage, on the consumer's thread (it never blocks): a valid request is answered from the result cache,
 * attached to an identical delivery in flight, refused when it asks to write where it may not
 * ({@link OutputLocations}: checked before any S3 call is made for it), or sent on to the {@link Prefetch}. The
 * rest of the policy and the deadline are checked there, after {@link OutputReuse} has looked for the request's
 * output object.
 */
public final class Intake {

    private static final Logger log = LoggerFactory.getLogger(Intake.class);

    private final OutputLocations locations;
    private final Deliveries deliveries;
    private final Answerer answerer;
    private final Prefetch prefetch;
    private final Clock clock;
    private final CpuMeter cpu;

    public Intake(OutputLocations locations, Deliveries deliveries, Answerer answerer, Prefetch prefetch, Clock clock,
            CpuMeter cpu) {
        this.locations = locations;
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
        Accepted a = new Accepted(request, hash, delivery, recordTimestampMs, clock.millis(), System.nanoTime());
        // by id and bytes: another request under the same id is not this one's duplicate (REQUEST_ID_CONFLICT)
        if (!deliveries.claim(a.inFlightKey(), delivery)) {
            log.debug("{}: duplicate delivery attached to the one in flight", id);
            return;
        }
        RequestFailure refused = locations.refuse(request);
        if (refused != null) {
            answerer.failed(a, refused);
        } else {
            prefetch.submit(a);
        }
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
