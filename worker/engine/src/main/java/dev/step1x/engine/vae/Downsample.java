// Port of stepfun-ai/Step1X-Edit modules/autoencoder.py @ 570eba6 (FLUX.1 autoencoder).
// Keys (relative to downsample): conv
package dev.step1x.engine.vae;

import dev.step1x.engine.weights.WeightSpec;

/** Pad right/bottom by 1, then conv3x3 stride 2 without padding. */
final class Downsample {

    private Downsample() {}

    static void declare(WeightSpec.Builder b, long channels) {
        b.conv2d("conv", channels, channels, 3);
    }
}
