// Port of stepfun-ai/Step1X-Edit modules/connector_edit.py @ 570eba6 (HunyuanVideo token refiner).
// Keys (relative to blocks.{i}): norm1.*, self_attn_qkv.*, self_attn_proj.*, norm2.*, mlp.fc{1,2}.*,
// adaLN_modulation.1.*
package dev.step1x.engine.connector;

import dev.step1x.engine.nn.Scoped;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import dev.step1x.engine.nn.Activations;
import dev.step1x.engine.nn.Attention;
import dev.step1x.engine.nn.LayerNorm;
import dev.step1x.engine.nn.Linear;
import dev.step1x.engine.nn.Params;

/**
 * Gated (no shift/scale) self-attention + SiLU MLP block; affine LayerNorms (eps 1e-6), no q/k norm:
 * <pre>
 *   gate_msa, gate_mlp = adaLN_modulation(c).chunk(2)      adaLN_modulation = SiLU, Linear(h, 2h)
 *   x += gate_msa · self_attn_proj(attn(self_attn_qkv(norm1(x))))
 *   x += gate_mlp · mlp(norm2(x))
 * </pre>
 */
final class IndividualTokenRefinerBlock {

    /** Queries per attention block; the score tensor is at most [B, H, this, L] (no effect for L ≤ this). */
    static final int ATTENTION_QUERY_CHUNK = 1024;

    private final int heads;
    private final int headDim;
    private final LayerNorm norm1;
    private final Linear selfAttnQkv;
    private final Linear selfAttnProj;
    private final LayerNorm norm2;
    private final MLP mlp;
    private final Linear adaLNModulation;

    IndividualTokenRefinerBlock(Params p, Qwen2ConnectorConfig c) {
        long h = c.hiddenSize();
        float eps = (float) Qwen2ConnectorConfig.LAYER_NORM_EPS;
        this.heads = c.headsNum();
        this.headDim = c.headDim();
        this.norm1 = new LayerNorm(p.child("norm1"), h, eps);
        this.selfAttnQkv = new Linear(p.child("self_attn_qkv"), h, 3 * h, Qwen2ConnectorConfig.QKV_BIAS);
        this.selfAttnProj = new Linear(p.child("self_attn_proj"), h, h, Qwen2ConnectorConfig.QKV_BIAS);
        this.norm2 = new LayerNorm(p.child("norm2"), h, eps);
        this.mlp = new MLP(p.child("mlp"), h, c.mlpHiddenDim());
        // nn.Sequential(SiLU, Linear(h -> 2h)): the linear is index 1
        this.adaLNModulation = new Linear(p.child("adaLN_modulation").child(1), h, 2 * h, true);
    }

    /**
     * @param x [B, L, hidden]
     * @param c [B, hidden] conditioning (timestep + pooled text)
     * @param additiveMask [B, 1, L, L] (0 = attend, -inf = masked), or null
     * @return [B, L, hidden], a new array
     */
    NDArray forward(NDArray x, NDArray c, NDArray additiveMask) {
        return Scoped.run(() -> {
            NDList gates = adaLNModulation.forward(Activations.silu(c)).split(2, 1);
            NDArray gateMsa = gates.get(0).expandDims(1);
            NDArray gateMlp = gates.get(1).expandDims(1);

            NDArray attn = selfAttention(norm1.forward(x), additiveMask);
            NDArray h = x.add(selfAttnProj.forward(attn).mul(gateMsa));
            return h.add(mlp.forward(norm2.forward(h)).mul(gateMlp));
        });
    }

    /** [B, L, hidden] -> [B, L, hidden]: qkv split "(K H D)", softmax(q·kᵀ/√D + mask)·v, heads merged. */
    private NDArray selfAttention(NDArray x, NDArray additiveMask) {
        long b = x.getShape().get(0);
        long l = x.getShape().get(1);
        // [B, L, 3·H·D] -> [B, L, 3, H, D] -> [3, B, H, L, D]
        NDArray qkv = selfAttnQkv.forward(x).reshape(new Shape(b, l, 3, heads, headDim)).transpose(2, 0, 3, 1, 4);
        NDArray q = qkv.get(0);
        NDArray k = qkv.get(1);
        NDArray v = qkv.get(2);
        NDArray out = Attention.scaledDotProduct(q, k, v, additiveMask, ATTENTION_QUERY_CHUNK);
        // [B, H, L, D] -> [B, L, H·D]
        return out.transpose(0, 2, 1, 3).reshape(new Shape(b, l, (long) heads * headDim));
    }
}
