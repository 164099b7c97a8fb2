package dev.step1x.worker.pipeline;

import dev.step1x.contracts.EditRequest;
import dev.step1x.engine.pipeline.BucketKey;
import dev.step1x.engine.pipeline.EditInput;
import dev.step1x.worker.batching.Batcher;
import dev.step1x.worker.ingest.OffsetTracker;
import java.time.Instant;

/**
 * One accepted request on its way through the worker: fetched and decoded by the prefetch threads, queued
 * in its bucket, run in a batch by the inference thread, uploaded and answered by the upload threads.
 * Stage timings are filled in as it goes.
 */
public final class WorkItem implements Batcher.Item {

    final OffsetTracker<?>.Ticket ticket;
    final EditRequest request;
    final String payloadHash;
    final long recordTimestampMs;
    final int attempt;
    final String traceparent;
    final long receivedNanos = System.nanoTime();
    final long receivedEpochMs = System.currentTimeMillis();

    volatile EditInput input;
    volatile BucketKey bucket;
    volatile double fetchMs;
    volatile double decodeMs;
    volatile long readyNanos;
    /** S3 failures counted against worker.storage.outage.max-rounds (not while the bucket's breaker is open). */
    volatile int storageRounds;
    /** Waits after S3 failures so far (the parking delay grows with them). */
    volatile int storageWaits;

    WorkItem(OffsetTracker<?>.Ticket ticket, EditRequest request, String payloadHash, long recordTimestampMs,
            int attempt, String traceparent) {
        this.ticket = ticket;
        this.request = request;
        this.payloadHash = payloadHash;
        this.recordTimestampMs = recordTimestampMs;
        this.attempt = attempt;
        this.traceparent = traceparent;
    }

    /** Deliveries in flight are matched by requestId and record bytes. */
    String inFlightKey() {
        return request.requestId() + "#" + payloadHash;
    }

    public EditRequest request() {
        return request;
    }

    @Override
    public BucketKey bucket() {
        return bucket;
    }

    @Override
    public int priority() {
        return request.priority() == null ? EditRequest.DEFAULT_PRIORITY : request.priority();
    }

    @Override
    public Instant deadline() {
        return request.deadline();
    }

    @Override
    public String toString() {
        return request.requestId() + "(" + ticket + ")";
    }
}
