// Port of stepfun-ai/Step1X-Edit modules/autoencoder.py @ 570eba6 (FLUX.1 autoencoder).
// Keys (relative to attn_1): norm, q, k, v, proj_out
package dev.step1x.engine.vae;

import dev.step1x.engine.nn.Scoped;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import dev.step1x.engine.nn.Attention;
import dev.step1x.engine.nn.Conv2d;
import dev.step1x.engine.nn.GroupNorm;
import dev.step1x.engine.nn.Params;

/** Single-head self-attention over H*W with 1x1 conv projections and a residual. */
final class AttnBlock {

    /**
     * Queries per attention block: the score matrix is at most [B, 1, QUERY_CHUNK, H*W] floats
     * (at 1024x1024 pixels the mid block sees 128x128 = 16384 tokens: 128 MiB per chunk instead of 1 GiB).
     */
    static final int QUERY_CHUNK = 2048;

    private final GroupNorm norm;
    private final Conv2d q;
    private final Conv2d k;
    private final Conv2d v;
    private final Conv2d projOut;

    AttnBlock(Params p, long channels) {
        this.norm = AutoEncoder.groupNorm(p.child("norm"), channels);
        this.q = new Conv2d(p.child("q"), channels, channels, 1, 1, 0);
        this.k = new Conv2d(p.child("k"), channels, channels, 1, 1, 0);
        this.v = new Conv2d(p.child("v"), channels, channels, 1, 1, 0);
        this.projOut = new Conv2d(p.child("proj_out"), channels, channels, 1, 1, 0);
    }

    /** x [B, C, H, W] -> x + proj_out(attention(norm(x))). */
    NDArray forward(NDArray x) {
        return Scoped.run(() -> {
            Shape s = x.getShape();
            NDArray h = norm.forward(x);
            NDArray attn = Attention.scaledDotProduct(tokens(q.forward(h)), tokens(k.forward(h)), tokens(v.forward(h)),
                    null, QUERY_CHUNK);
            // [B, 1, H*W, C] -> [B, C, H, W]
            NDArray back = attn.reshape(s.get(0), s.get(2) * s.get(3), s.get(1)).transpose(0, 2, 1).reshape(s);
            return x.add(projOut.forward(back));
        });
    }

    /** [B, C, H, W] -> [B, 1, H*W, C]: one head whose tokens are the pixels in row-major order. */
    private static NDArray tokens(NDArray x) {
        Shape s = x.getShape();
        return x.reshape(s.get(0), s.get(1), s.get(2) * s.get(3)).transpose(0, 2, 1)
                .reshape(s.get(0), 1, s.get(2) * s.get(3), s.get(1));
    }
}
