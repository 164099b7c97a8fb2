// Port of huggingface/transformers models/qwen2_5_vl/modeling_qwen2_5_vl.py @ 00b676f
// (Qwen2_5_VLDecoderLayer, Qwen2_5_VLAttention, Qwen2MLP, repeat_kv).
// Keys (relative to model.layers.{i}): self_attn.{q,k,v}_proj.{weight,bias}, self_attn.o_proj.weight,
// mlp.{gate,up,down}_proj.weight, input_layernorm.weight, post_attention_layernorm.weight
package dev.step1x.engine.mllm.qwen25vl;

import dev.step1x.engine.nn.Precision;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import dev.step1x.engine.nn.Activations;
import dev.step1x.engine.nn.Attention;
import dev.step1x.engine.nn.Linear;
import dev.step1x.engine.nn.Params;
import dev.step1x.engine.nn.RMSNorm;
import dev.step1x.engine.nn.Scoped;

/**
 * Pre-norm decoder layer: {@code h += o_proj(attn(RMSNorm(h)))}, {@code h += down(silu(gate(x))·up(x))}
 * with {@code x = RMSNorm(h)}. Attention: q/k/v projections with bias (rows head-major), M-RoPE on q
 * and k, grouped-query attention (q head h reads kv head {@code h / (heads / kv_heads)}), scale
 * {@code 1/√head_dim}, an additive causal/padding mask, {@code o_proj} without bias.
 */
public final class Qwen25VLDecoderLayer {

    private final Linear qProj;
    private final Linear kProj;
    private final Linear vProj;
    private final Linear oProj;
    private final Linear gateProj;
    private final Linear upProj;
    private final Linear downProj;
    private final RMSNorm inputLayernorm;
    private final RMSNorm postAttentionLayernorm;
    private final int numHeads;
    private final int numKvHeads;
    private final int headDim;

    /** Builds the layer from its parameters; on a {@link dev.step1x.engine.weights.WeightSpec.Builder} records the keys. */
    public Qwen25VLDecoderLayer(Params p, Qwen25VLConfig c) {
        this.numHeads = c.numAttentionHeads();
        this.numKvHeads = c.numKeyValueHeads();
        this.headDim = c.headDim();
        long h = c.hiddenSize();
        long q = (long) numHeads * headDim;
        Params attn = p.child("self_attn");
        qProj = new Linear(attn.child("q_proj"), h, q, true);
        kProj = new Linear(attn.child("k_proj"), h, c.kvDim(), true);
        vProj = new Linear(attn.child("v_proj"), h, c.kvDim(), true);
        oProj = new Linear(attn.child("o_proj"), q, h, false);
        Params mlp = p.child("mlp");
        gateProj = new Linear(mlp.child("gate_proj"), h, c.intermediateSize(), false);
        upProj = new Linear(mlp.child("up_proj"), h, c.intermediateSize(), false);
        downProj = new Linear(mlp.child("down_proj"), c.intermediateSize(), h, false);
        float eps = (float) c.rmsNormEps();
        inputLayernorm = new RMSNorm(p.child("input_layernorm"), "weight", h, eps);
        postAttentionLayernorm = new RMSNorm(p.child("post_attention_layernorm"), "weight", h, eps);
    }

    /**
     * @param hidden residual stream [B, L, hidden]
     * @param rope M-RoPE cos/sin [B, 1, L, head_dim]
     * @param additiveMask [B or 1, 1, L, L] (0 = attend, a large negative = masked), or null for none
     * @param queryChunk queries per attention block (0: all at once)
     * @return the new residual stream [B, L, hidden]; intermediates are freed
     */
    public NDArray forward(NDArray hidden, Qwen2RotaryEmbedding.Tables rope, NDArray additiveMask, int queryChunk) {
        return Scoped.run(() -> {
            NDArray h = hidden.add(attention(inputLayernorm.forward(hidden), rope, additiveMask, queryChunk));
            NDArray x = postAttentionLayernorm.forward(h);
            // float16: clamp the residual stream (see Precision)
            return Precision.clampResidual(
                    h.add(downProj.forward(Activations.silu(gateProj.forward(x)).mul(upProj.forward(x)))));
        });
    }

    private NDArray attention(NDArray x, Qwen2RotaryEmbedding.Tables rope, NDArray mask, int queryChunk) {
        Shape s = x.getShape();
        long b = s.get(0);
        long l = s.get(1);
        NDArray q = heads(qProj.forward(x), b, l, numHeads);
        NDArray k = heads(kProj.forward(x), b, l, numKvHeads);
        NDArray v = heads(vProj.forward(x), b, l, numKvHeads);
        q = Qwen2RotaryEmbedding.apply(q, rope);
        k = Qwen2RotaryEmbedding.apply(k, rope);
        NDArray out = Attention.scaledDotProduct(q, repeatKv(k), repeatKv(v), mask, queryChunk);
        return oProj.forward(out.transpose(0, 2, 1, 3).reshape(b, l, (long) numHeads * headDim));
    }

    /** [B, L, n·D] -> [B, n, L, D]. */
    private NDArray heads(NDArray x, long b, long l, int n) {
        return x.reshape(b, l, n, headDim).transpose(0, 2, 1, 3);
    }

    /** {@code repeat_kv}: [B, kv, L, D] -> [B, kv·rep, L, D], each kv head repeated rep times in place. */
    private NDArray repeatKv(NDArray x) {
        int rep = numHeads / numKvHeads;
        if (rep == 1) {
            return x;
        }
        Shape s = x.getShape();
        return x.expandDims(2).broadcast(new Shape(s.get(0), s.get(1), rep, s.get(2), s.get(3)))
                .reshape(s.get(0), s.get(1) * rep, s.get(2), s.get(3));
    }
}
