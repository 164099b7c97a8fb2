// Port of stepfun-ai/Step1X-Edit modules/autoencoder.py @ 570eba6 (FLUX.1 autoencoder).
// Keys (relative): norm1, conv1, norm2, conv2, nin_shortcut (only when in != out)
package dev.step1x.engine.vae;

import dev.step1x.engine.nn.Scoped;

import ai.djl.ndarray.NDArray;
import dev.step1x.engine.nn.Activations;
import dev.step1x.engine.nn.Conv2d;
import dev.step1x.engine.nn.GroupNorm;
import dev.step1x.engine.nn.Params;

/** GroupNorm -> swish -> conv3x3, twice, with a 1x1 shortcut when the width changes; residual sum. */
final class ResnetBlock {

    private final GroupNorm norm1;
    private final Conv2d conv1;
    private final GroupNorm norm2;
    private final Conv2d conv2;
    private final Conv2d ninShortcut;

    ResnetBlock(Params p, long in, long out) {
        this.norm1 = AutoEncoder.groupNorm(p.child("norm1"), in);
        this.conv1 = new Conv2d(p.child("conv1"), in, out, 3, 1, 1);
        this.norm2 = AutoEncoder.groupNorm(p.child("norm2"), out);
        this.conv2 = new Conv2d(p.child("conv2"), out, out, 3, 1, 1);
        this.ninShortcut = in != out ? new Conv2d(p.child("nin_shortcut"), in, out, 1, 1, 0) : null;
    }

    /** x [B, in, H, W] -> [B, out, H, W]. */
    NDArray forward(NDArray x) {
        return Scoped.run(() -> {
            NDArray h = conv1.forward(Activations.silu(norm1.forward(x)));
            h = conv2.forward(Activations.silu(norm2.forward(h)));
            NDArray skip = ninShortcut == null ? x : ninShortcut.forward(x);
            return skip.add(h);
        });
    }
}
