// Port of stepfun-ai/Step1X-Edit modules/layers.py @ 570eba6 (FLUX.1 layers).
// Keys (relative): scale
package dev.step1x.engine.dit;

import dev.step1x.engine.weights.WeightSpec;

/** RMSNorm over the head dim with a learned {@code scale} (note: named "scale", not "weight"); eps 1e-6. */
final class RMSNorm {

    static final double EPS = 1e-6;

    private RMSNorm() {}

    static void declare(WeightSpec.Builder b, long dim) {
        b.add("scale", dim);
    }
}
