// Port of huggingface/transformers models/qwen2_5_vl/modeling_qwen2_5_vl.py @ 00b676f (Qwen2.5-VL).
// Keys (relative to model.layers.{i}): self_attn.{q,k,v}_proj.{weight,bias}, self_attn.o_proj.weight,
// mlp.{gate,up,down}_proj.weight, input_layernorm.weight, post_attention_layernorm.weight
package dev.step1x.engine.mllm.qwen25vl;

import dev.step1x.engine.weights.WeightSpec;

/** Pre-norm decoder layer: RMSNorm -> GQA attention (q/k/v biased, M-RoPE) -> RMSNorm -> SwiGLU MLP. */
final class Qwen25VLDecoderLayer {

    private Qwen25VLDecoderLayer() {}

    static void declare(WeightSpec.Builder b, Qwen25VLConfig c) {
        declareAttention(b.child("self_attn"), c);
        declareMlp(b.child("mlp"), c.hiddenSize(), c.intermediateSize());
        b.child("input_layernorm").add("weight", c.hiddenSize());
        b.child("post_attention_layernorm").add("weight", c.hiddenSize());
    }

    /** {@code Qwen2_5_VLAttention}: rows of q/k/v are head-major. */
    private static void declareAttention(WeightSpec.Builder b, Qwen25VLConfig c) {
        long h = c.hiddenSize();
        long q = (long) c.numAttentionHeads() * c.headDim();
        b.linear("q_proj", h, q, true);
        b.linear("k_proj", h, c.kvDim(), true);
        b.linear("v_proj", h, c.kvDim(), true);
        b.linear("o_proj", q, h, false);
    }

    /** {@code Qwen2MLP}: {@code down(silu(gate(x)) * up(x))}, no biases. */
    private static void declareMlp(WeightSpec.Builder b, long hidden, long intermediate) {
        b.linear("gate_proj", hidden, intermediate, false);
        b.linear("up_proj", hidden, intermediate, false);
        b.linear("down_proj", intermediate, hidden, false);
    }
}
