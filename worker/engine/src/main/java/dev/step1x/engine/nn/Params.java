package dev.step1x.engine.nn;

import ai.djl.ndarray.NDArray;

/**
 * Where a module gets its parameters, by checkpoint key relative to the module. Module constructors
 * ask for every tensor with its exact shape; the same constructors therefore serve two purposes:
 * <ul>
 *   <li>with a {@link dev.step1x.engine.weights.WeightSpec.Builder} they only record keys and shapes
 *       ({@link #get} returns null), so a full-size tree can be checked against a checkpoint header
 *       without allocating anything;</li>
 *   <li>with {@link LoadedParams} they receive the loaded tensors (shape-checked).</li>
 * </ul>
 */
public interface Params {

    /** The tensor {@code name} of this module with exactly {@code shape}; null when only recording. */
    NDArray get(String name, long... shape);

    /**
     * A weight held as 8-bit float bytes (FP8 checkpoints and {@code --fp8}), or null: the module then asks
     * {@link #get} for it. Only {@link Linear} asks; recording trees and dense weights answer null.
     */
    default QuantizedWeight quantized(String name, long... shape) {
        return null;
    }

    /** Run-time terms the {@link Linear} with weight {@code name} adds to its output (unmerged LoRA), or null. */
    default LowRank lowRank(String name) {
        return null;
    }

    /** The parameters of a submodule, e.g. {@code child("double_blocks").child(0)}. */
    Params child(String name);

    default Params child(int index) {
        return child(Integer.toString(index));
    }
}
