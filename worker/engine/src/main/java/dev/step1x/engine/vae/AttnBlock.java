// Port of stepfun-ai/Step1X-Edit modules/autoencoder.py @ 570eba6 (FLUX.1 autoencoder).
// Keys (relative to attn_1): norm, q, k, v, proj_out
package dev.step1x.engine.vae;

import dev.step1x.engine.weights.WeightSpec;

/** Single-head self-attention over H*W with 1x1 conv projections and a residual. */
final class AttnBlock {

    private AttnBlock() {}

    static void declare(WeightSpec.Builder b, long channels) {
        b.affineNorm("norm", channels);
        b.conv2d("q", channels, channels, 1);
        b.conv2d("k", channels, channels, 1);
        b.conv2d("v", channels, channels, 1);
        b.conv2d("proj_out", channels, channels, 1);
    }
}
