// Port of stepfun-ai/Step1X-Edit modules/layers.py @ 570eba6 (FLUX.1 layers).
// Keys (relative): query_norm.scale, key_norm.scale
package dev.step1x.engine.dit;

import dev.step1x.engine.weights.WeightSpec;

/** Per-head RMSNorm of q and k. */
final class QKNorm {

    private QKNorm() {}

    static void declare(WeightSpec.Builder b, long headDim) {
        RMSNorm.declare(b.child("query_norm"), headDim);
        RMSNorm.declare(b.child("key_norm"), headDim);
    }
}
