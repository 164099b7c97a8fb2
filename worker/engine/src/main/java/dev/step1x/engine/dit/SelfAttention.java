// Port of stepfun-ai/Step1X-Edit modules/layers.py @ 570eba6 (FLUX.1 layers).
// Keys (relative): qkv.{weight,bias?}, norm.{query,key}_norm.scale, proj.{weight,bias}
package dev.step1x.engine.dit;

import dev.step1x.engine.weights.WeightSpec;

/** The attention projections of one stream of a double block: fused qkv, QK-norm, output proj. */
final class SelfAttention {

    private SelfAttention() {}

    static void declare(WeightSpec.Builder b, long dim, long numHeads, boolean qkvBias) {
        b.linear("qkv", dim, 3 * dim, qkvBias);
        QKNorm.declare(b.child("norm"), dim / numHeads);
        b.linear("proj", dim, dim, true);
    }
}
