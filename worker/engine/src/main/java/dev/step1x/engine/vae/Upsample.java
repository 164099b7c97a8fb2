// Port of stepfun-ai/Step1X-Edit modules/autoencoder.py @ 570eba6 (FLUX.1 autoencoder).
// Keys (relative to upsample): conv
package dev.step1x.engine.vae;

import dev.step1x.engine.weights.WeightSpec;

/** Nearest-neighbour x2, then conv3x3 (padding 1). */
final class Upsample {

    private Upsample() {}

    static void declare(WeightSpec.Builder b, long channels) {
        b.conv2d("conv", channels, channels, 3);
    }
}
