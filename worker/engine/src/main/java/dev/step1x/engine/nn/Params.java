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

    /** The parameters of a submodule, e.g. {@code child("double_blocks").child(0)}. */
    Params child(String name);

    default Params child(int index) {
        return child(Integer.toString(index));
    }
}
