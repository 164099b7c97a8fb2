// Port of stepfun-ai/Step1X-Edit modules/layers.py @ 570eba6 (SingleStreamBlock).
// Keys (relative to single_blocks.{i}): linear1.*, linear2.*, norm.{query_norm,key_norm}.scale, modulation.lin.*
package dev.step1x.engine.dit;

import dev.step1x.engine.nn.Precision;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import dev.step1x.engine.nn.Activations;
import dev.step1x.engine.nn.LayerNorm;
import dev.step1x.engine.nn.Linear;
import dev.step1x.engine.nn.Params;
import dev.step1x.engine.nn.Scoped;

/** DiT block with parallel attention and MLP over the joint cat(txt, img) sequence. */
final class SingleStreamBlock {

    private final Linear linear1;
    private final Linear linear2;
    private final QKNorm norm;
    private final Modulation modulation;
    private final LayerNorm preNorm;
    private final long hidden;
    private final long numHeads;

    SingleStreamBlock(Params p, Step1XParams c) {
        hidden = c.hiddenSize();
        numHeads = c.numHeads();
        long mlp = c.mlpHiddenDim();
        // linear1 -> [qkv (3h) | mlp_in (mlp)]; linear2 <- [attn (h) | gelu(mlp_in) (mlp)]
        linear1 = new Linear(p.child("linear1"), hidden, 3 * hidden + mlp, true);
        linear2 = new Linear(p.child("linear2"), hidden + mlp, hidden, true);
        norm = new QKNorm(p.child("norm"), c.headDim());
        modulation = new Modulation(p.child("modulation"), hidden, false);
        preNorm = new LayerNorm(hidden, 1e-6f);
    }

    /** x [B, L, H] -> [B, L, H]. */
    NDArray forward(NDArray x, NDArray vec, EmbedND.Rope pe, int queryChunk) {
        return Scoped.run(() -> {
            Modulation.Out mod = modulation.forward(vec)[0];
            NDList split = linear1.forward(mod.modulate(preNorm.forward(x))).split(new long[] {3 * hidden}, 2);
            NDArray[] qkv = SelfAttention.splitHeads(split.get(0), numHeads, norm);
            NDArray attn = SelfAttention.attention(qkv[0], qkv[1], qkv[2], pe, queryChunk);
            NDArray out = linear2.forward(attn.concat(Activations.geluTanh(split.get(1)), 2));
            return Precision.clampResidual(x.add(mod.gate().mul(out)));
        });
    }
}
