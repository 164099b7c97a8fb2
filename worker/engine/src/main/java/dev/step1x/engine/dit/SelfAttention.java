// Port of stepfun-ai/Step1X-Edit modules/layers.py @ 570eba6 (SelfAttention, attention, apply_rope).
// Keys: qkv.{weight,bias}, norm.{query_norm,key_norm}.scale, proj.{weight,bias}
package dev.step1x.engine.dit;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import dev.step1x.engine.nn.Attention;
import dev.step1x.engine.nn.Linear;
import dev.step1x.engine.nn.Params;

/** The qkv projection, QK norm and output projection of one stream; attention itself is joint. */
final class SelfAttention {

    final Linear qkv;
    final QKNorm norm;
    final Linear proj;
    private final long numHeads;

    SelfAttention(Params p, long dim, long numHeads, boolean qkvBias) {
        this.numHeads = numHeads;
        qkv = new Linear(p.child("qkv"), dim, 3 * dim, qkvBias);
        norm = new QKNorm(p.child("norm"), dim / numHeads);
        proj = new Linear(p.child("proj"), dim, dim, true);
    }

    /** x [B, L, dim] -> normed q, k and v, each [B, H, L, D]. */
    NDArray[] qkv(NDArray x) {
        return splitHeads(qkv.forward(x), numHeads, norm);
    }

    /**
     * "B L (K H D) -> K B H L D" with K = 3 outermost, then head, then dim; q and k RMS-normed.
     */
    static NDArray[] splitHeads(NDArray qkvOut, long numHeads, QKNorm norm) {
        Shape s = qkvOut.getShape();
        long b = s.get(0);
        long l = s.get(1);
        long d = s.get(2) / 3 / numHeads;
        // [B, L, 3, H, D] -> [3, B, H, L, D]
        NDArray parts = qkvOut.reshape(b, l, 3, numHeads, d).transpose(2, 0, 3, 1, 4);
        NDArray q = parts.get(0);
        NDArray k = parts.get(1);
        NDArray v = parts.get(2);
        NDArray[] qk = norm.forward(q, k, v);
        return new NDArray[] {qk[0], qk[1], v};
    }

    /** RoPE on q and k, then unmasked attention; [B, H, L, D] -> [B, L, H·D]. */
    static NDArray attention(NDArray q, NDArray k, NDArray v, EmbedND.Rope pe, int queryChunk) {
        NDArray x = Attention.scaledDotProduct(EmbedND.apply(q, pe), EmbedND.apply(k, pe), v, null, queryChunk);
        Shape s = x.getShape();
        return x.transpose(0, 2, 1, 3).reshape(s.get(0), s.get(2), s.get(1) * s.get(3));
    }
}
