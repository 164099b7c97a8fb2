// Port of stepfun-ai/Step1X-Edit modules/autoencoder.py @ 570eba6 (FLUX.1 autoencoder).
// Keys (relative): norm1, conv1, norm2, conv2, nin_shortcut (only when in != out)
package dev.step1x.engine.vae;

import dev.step1x.engine.weights.WeightSpec;

/** GroupNorm -> swish -> conv3x3, twice, with a 1x1 shortcut when the width changes. */
final class ResnetBlock {

    private ResnetBlock() {}

    static void declare(WeightSpec.Builder b, long in, long out) {
        b.affineNorm("norm1", in);
        b.conv2d("conv1", in, out, 3);
        b.affineNorm("norm2", out);
        b.conv2d("conv2", out, out, 3);
        if (in != out) {
            b.conv2d("nin_shortcut", in, out, 1);
        }
    }
}
