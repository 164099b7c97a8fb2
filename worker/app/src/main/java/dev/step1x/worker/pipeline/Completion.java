package dev.step1x.worker.pipeline;

/**
 * How the pipeline tells the source of a request what became of it. The Kafka ingest implements it with the
 * record's place in the offset tracker; no pipeline class knows about offsets.
 */
public interface Completion {

    /** The request's answer is durable (published, and acknowledged by the broker): its source may forget it. */
    void complete();

    /** The pipeline gives the request up without answering it (shutdown): its source must deliver it again. */
    void abandon();

    /**
     * True when this worker no longer owns the request (its partition was revoked in a rebalance): its answer would
     * not be committed here, and the new owner runs it again, so work not yet started is better given up.
     */
    default boolean revoked() {
        return false;
    }
}
