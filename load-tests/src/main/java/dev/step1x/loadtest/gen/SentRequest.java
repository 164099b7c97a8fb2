package dev.step1x.loadtest.gen;

/**
 * A request the generator sent, with where Kafka put it. {@link #intendedAtMs()} is when the schedule
 * wanted it sent (open loop: latency is measured from there, so a stalled producer does not hide delay).
 */
public final class SentRequest {

    private final PlannedRequest planned;
    private final long intendedAtMs;
    private volatile int partition = -1;
    private volatile long offset = -1;
    private volatile long timestampMs;
    private volatile String sendError;

    public SentRequest(PlannedRequest planned, long intendedAtMs) {
        this.planned = planned;
        this.intendedAtMs = intendedAtMs;
    }

    /** Called by the producer callback (public for tests). */
    public void acked(int partition, long offset, long timestampMs) {
        this.partition = partition;
        this.offset = offset;
        this.timestampMs = timestampMs;
    }

    void failed(String error) {
        this.sendError = error;
    }

    public PlannedRequest planned() {
        return planned;
    }

    public String requestId() {
        return planned.requestId();
    }

    public long intendedAtMs() {
        return intendedAtMs;
    }

    /** True once the broker acknowledged the record. */
    public boolean acked() {
        return offset >= 0;
    }

    public int partition() {
        return partition;
    }

    public long offset() {
        return offset;
    }

    /** The record's timestamp (CreateTime, epoch ms), 0 before the acknowledgment. */
    public long timestampMs() {
        return timestampMs;
    }

    /** The producer's error if the send failed, else null. */
    public String sendError() {
        return sendError;
    }
}
