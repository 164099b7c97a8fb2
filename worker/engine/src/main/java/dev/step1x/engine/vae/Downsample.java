// Port of stepfun-ai/Step1X-Edit modules/autoencoder.py @ 570eba6 (FLUX.1 autoencoder).
// Keys (relative to downsample): conv
package dev.step1x.engine.vae;

import dev.step1x.engine.nn.Scoped;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import dev.step1x.engine.nn.Conv2d;
import dev.step1x.engine.nn.Params;

/** Pad right/bottom by 1 with zeros, then conv3x3 stride 2 without padding: [H, W] -> [H/2, W/2]. */
final class Downsample {

    /** constant_pad_nd order (last dim first): W left 0, right 1; H top 0, bottom 1. */
    private static final Shape PAD_RIGHT_BOTTOM = new Shape(0, 1, 0, 1);

    private final Conv2d conv;

    Downsample(Params p, long channels) {
        this.conv = new Conv2d(p.child("conv"), channels, channels, 3, 2, 0);
    }

    NDArray forward(NDArray x) {
        return Scoped.run(() -> conv.forward(x.pad(PAD_RIGHT_BOTTOM, 0)));
    }
}
