package dev.step1x.engine.pipeline;

import java.util.List;

/**
 * What a caller (the CLI, the worker) runs edits with. {@link #edit} takes requests that share one
 * {@link BucketKey} ({@link EditInput#bucket()}) and returns one output per input, in order; output i equals what
 * input i gives alone. Outputs are pixels at the bucket's size ({@link EditOutput}). One thread at a time owns an
 * engine (it owns the device).
 */
public interface EditEngine extends AutoCloseable {

    /** Runs one batch; every input must have the same {@link EditInput#bucket()}. */
    List<EditOutput> edit(List<EditInput> inputs);

    /**
     * {@link #edit(List)}, telling {@code progress} (on the calling thread) as each denoising step of the batch
     * finishes, so that a caller can tell a long batch that advances from one that hangs. An engine without steps
     * reports nothing.
     */
    default List<EditOutput> edit(List<EditInput> inputs, EditProgress progress) {
        return edit(inputs);
    }

    /**
     * The most requests of {@code bucket} one batch may hold on this engine's device (0: not even one fits);
     * unlimited unless the engine plans its memory.
     */
    default int maxBatchRequests(BucketKey bucket) {
        return Integer.MAX_VALUE;
    }

    /** Short description: model directory, versions, device, dtype. */
    String describe();

    /**
     * Tensors the engine holds now: weights, adapters and whatever a batch in flight allocated; -1 when the engine
     * does not track tensors. Between batches it must come back to the same figure, or a batch leaked. Any thread.
     */
    default long liveTensors() {
        return -1;
    }

    /** Bytes in use on the engine's GPU as the driver reports them; -1 on the CPU or when unknown. Any thread. */
    default long deviceMemoryInUse() {
        return -1;
    }

    @Override
    void close();
}
