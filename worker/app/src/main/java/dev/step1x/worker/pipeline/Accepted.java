package dev.step1x.worker.pipeline;

import dev.step1x.contracts.EditRequest;

/**
 * A request the intake let through (allowed, not a duplicate, not expired), on its way to the prefetch threads.
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

    @Override
    public String toString() {
        return request.requestId();
    }
}
