package dev.step1x.worker.pipeline;

import dev.step1x.contracts.EditRequest;

/**
 * A request the intake let through (its output location allowed, not a duplicate), on its way to the prefetch
 * threads.
 *
 * @param request the request with its defaults applied
 * @param payloadHash SHA-256 of the record's bytes: a redelivery with other bytes is another request
 * @param recordTimestampMs the record's timestamp, where the queue and total times start
 * @param receivedEpochMs when the worker took the record (wall clock)
 * @param receivedNanos the same moment on the monotonic clock
 */
public record Accepted(EditRequest request, String payloadHash, Delivery delivery, long recordTimestampMs,
        long receivedEpochMs, long receivedNanos) {

    public String requestId() {
        return request.requestId();
    }

    /** Deliveries in flight are matched by requestId and record bytes. */
    String inFlightKey() {
        return request.requestId() + "#" + payloadHash;
    }

    @Override
    public String toString() {
        return request.requestId();
    }
}
