// Port of stepfun-ai/Step1X-Edit modules/layers.py @ 570eba6 (FLUX.1 layers).
// Keys (relative): lin.{weight,bias}
package dev.step1x.engine.dit;

import dev.step1x.engine.weights.WeightSpec;

/** {@code Linear(dim -> k * dim)(silu(vec))} chunked into (shift, scale, gate) x (2 if double else 1). */
final class Modulation {

    private Modulation() {}

    /** Number of dim-wide chunks: 6 for a double block, 3 for a single block. */
    static int multiplier(boolean isDouble) {
        return isDouble ? 6 : 3;
    }

    static void declare(WeightSpec.Builder b, long dim, boolean isDouble) {
        b.linear("lin", dim, multiplier(isDouble) * dim, true);
    }
}
