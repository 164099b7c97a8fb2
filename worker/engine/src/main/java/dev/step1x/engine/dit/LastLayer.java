// Port of stepfun-ai/Step1X-Edit modules/layers.py @ 570eba6 (FLUX.1 layers).
// Keys (relative to final_layer): linear.*, adaLN_modulation.1.*
package dev.step1x.engine.dit;

import dev.step1x.engine.weights.WeightSpec;

/** Final adaLN (shift, scale) + projection to the packed latent features. */
final class LastLayer {

    private LastLayer() {}

    static void declare(WeightSpec.Builder b, long hiddenSize, long patchSize, long outChannels) {
        b.linear("linear", hiddenSize, patchSize * patchSize * outChannels, true);
        // nn.Sequential(SiLU, Linear): index 1
        b.child("adaLN_modulation").linear("1", hiddenSize, 2 * hiddenSize, true);
    }
}
