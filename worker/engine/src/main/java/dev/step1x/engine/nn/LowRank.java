package dev.step1x.engine.nn;

import ai.djl.ndarray.NDArray;

/**
 * Terms a {@link Linear} adds to its output at run time, besides {@code x·Wᵀ + b}: unmerged LoRA adapters, each
 * for the batch rows that use it ({@code dev.step1x.engine.lora}).
 */
@FunctionalInterface
public interface LowRank {

    /**
     * @param x the layer's input [B, ..., in]
     * @param y the layer's output [B, ..., out], a new array the implementation may update in place
     * @return y with the terms of the current call added ({@code y} itself when there are none)
     */
    NDArray add(NDArray x, NDArray y);
}
