// Port of stepfun-ai/Step1X-Edit modules/autoencoder.py @ 570eba6 (FLUX.1 autoencoder).
// Keys: encoder.*, decoder.* (no quant_conv / post_quant_conv)
package dev.step1x.engine.vae;

import dev.step1x.engine.weights.WeightSpec;

/** The FLUX.1 autoencoder: 8x spatial compression to {@code z_channels} latents, scaled and shifted. */
public final class AutoEncoder {

    private AutoEncoder() {}

    /** Every tensor of {@code vae.safetensors}, with its exact shape, in module order. */
    public static WeightSpec weightSpec(AutoEncoderParams params) {
        WeightSpec.Builder b = WeightSpec.builder();
        declare(b, params);
        return b.build();
    }

    /** Declares the encoder and decoder under {@code b}. */
    public static void declare(WeightSpec.Builder b, AutoEncoderParams p) {
        Encoder.declare(b.child("encoder"), p);
        Decoder.declare(b.child("decoder"), p);
    }
}
