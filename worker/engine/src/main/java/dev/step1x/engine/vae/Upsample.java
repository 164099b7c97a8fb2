// Port of stepfun-ai/Step1X-Edit modules/autoencoder.py @ 570eba6 (FLUX.1 autoencoder).
// Keys (relative to upsample): conv
package dev.step1x.engine.vae;

import dev.step1x.engine.nn.Scoped;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import dev.step1x.engine.nn.Conv2d;
import dev.step1x.engine.nn.Params;

/** Nearest-neighbour x2, then conv3x3 (padding 1): [H, W] -> [2H, 2W]. */
final class Upsample {

    private final Conv2d conv;

    Upsample(Params p, long channels) {
        this.conv = new Conv2d(p.child("conv"), channels, channels, 3, 1, 1);
    }

    NDArray forward(NDArray x) {
        return Scoped.run(() -> conv.forward(nearest2x(x)));
    }

    /** interpolate(scale_factor=2, mode="nearest"): output pixel (i, j) = input (i/2, j/2), exactly. */
    static NDArray nearest2x(NDArray x) {
        Shape s = x.getShape();
        long b = s.get(0);
        long c = s.get(1);
        long h = s.get(2);
        long w = s.get(3);
        return x.reshape(b, c, h, 1, w, 1).broadcast(b, c, h, 2, w, 2).reshape(b, c, 2 * h, 2 * w);
    }
}
