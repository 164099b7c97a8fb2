package dev.step1x.engine.pipeline;

/** Progress of one batch, for a progress bar or metrics. Called on the engine's thread. */
public interface EditProgress {

    EditProgress NONE = new EditProgress() {};

    /** A stage starts: "resize", "vaeEncode", "mllm", "denoise", "vaeDecode", "encode". */
    default void stage(String name) {}

    /** Denoising step {@code done} of {@code total} finished. */
    default void step(int done, int total) {}
}
