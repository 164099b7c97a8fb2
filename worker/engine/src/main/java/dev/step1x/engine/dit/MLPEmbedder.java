// Port of stepfun-ai/Step1X-Edit modules/layers.py @ 570eba6 (FLUX.1 layers).
// Keys (relative): in_layer.{weight,bias}, out_layer.{weight,bias}
package dev.step1x.engine.dit;

import dev.step1x.engine.weights.WeightSpec;

/** {@code Linear(in -> hidden) -> SiLU -> Linear(hidden -> hidden)}; used by {@code time_in} and {@code vector_in}. */
final class MLPEmbedder {

    private MLPEmbedder() {}

    static void declare(WeightSpec.Builder b, long inDim, long hiddenDim) {
        b.linear("in_layer", inDim, hiddenDim, true);
        b.linear("out_layer", hiddenDim, hiddenDim, true);
    }
}
