package dev.step1x.worker.pipeline;

import dev.step1x.contracts.EditResult;
import dev.step1x.engine.pipeline.EditOutput;

/**
 * One row of a batch the engine ran, for the finisher threads: pixels at the bucket's size.
 *
 * @param queueMs the time the request waited for its batch (in Kafka and in the worker, less fetch and decode)
 */
public record Edited(Prepared prepared, EditOutput output, EditResult.BatchInfo batch, double queueMs) {

    public Accepted accepted() {
        return prepared.accepted();
    }
}
