// Port of stepfun-ai/Step1X-Edit modules/layers.py @ 570eba6 (FLUX.1 layers).
// Keys (relative to single_blocks.{i}): linear1.*, linear2.*, norm.{query,key}_norm.scale, modulation.lin.*
package dev.step1x.engine.dit;

import dev.step1x.engine.weights.WeightSpec;

/** Parallel attention + MLP block over the concatenated [txt; img] sequence. */
final class SingleStreamBlock {

    private SingleStreamBlock() {}

    static void declare(WeightSpec.Builder b, Step1XParams p) {
        long h = p.hiddenSize();
        long mlp = p.mlpHiddenDim();
        // linear1 -> [qkv (3h) | mlp_in (mlp)]; linear2 <- [attn (h) | gelu(mlp_in) (mlp)]
        b.linear("linear1", h, 3 * h + mlp, true);
        b.linear("linear2", h + mlp, h, true);
        QKNorm.declare(b.child("norm"), p.headDim());
        Modulation.declare(b.child("modulation"), h, false);
    }
}
