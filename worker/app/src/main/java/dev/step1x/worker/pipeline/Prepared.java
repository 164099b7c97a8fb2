package dev.step1x.worker.pipeline;

import dev.step1x.contracts.EditRequest;
import dev.step1x.engine.pipeline.BucketKey;
import dev.step1x.engine.pipeline.EditInput;
import dev.step1x.worker.batching.Batcher;
import java.time.Instant;

/**
 * A request whose input is fetched, decoded and resized to its bucket ({@link EditInput#resized()}): what the
 * batcher queues and the batch runner hands to the engine.
 *
 * @param fetchMs the S3 read
 * @param decodeMs probing, decoding and resizing the input
 */
public record Prepared(Accepted accepted, EditInput input, double fetchMs, double decodeMs) implements Batcher.Item {

    @Override
    public BucketKey bucket() {
        return input.bucket();
    }

    @Override
    public int priority() {
        Integer p = accepted.request().priority();
        return p == null ? EditRequest.DEFAULT_PRIORITY : p;
    }

    @Override
    public Instant deadline() {
        return accepted.request().deadline();
    }

    @Override
    public String toString() {
        return accepted.toString();
    }
}
