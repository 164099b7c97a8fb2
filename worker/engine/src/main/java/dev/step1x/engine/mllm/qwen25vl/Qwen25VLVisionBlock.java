// Port of huggingface/transformers models/qwen2_5_vl/modeling_qwen2_5_vl.py @ 00b676f (Qwen2.5-VL).
// Keys (relative to visual.blocks.{j}): norm1.weight, norm2.weight, attn.{qkv,proj}.{weight,bias},
// mlp.{gate,up,down}_proj.{weight,bias}
package dev.step1x.engine.mllm.qwen25vl;

import dev.step1x.engine.weights.WeightSpec;

/** Pre-norm vision block: RMSNorm -> fused-qkv attention (2-D RoPE) -> RMSNorm -> SwiGLU MLP with biases. */
final class Qwen25VLVisionBlock {

    private Qwen25VLVisionBlock() {}

    static void declare(WeightSpec.Builder b, Qwen25VLConfig.VisionConfig v) {
        long h = v.hiddenSize();
        b.child("norm1").add("weight", h);
        b.child("norm2").add("weight", h);
        WeightSpec.Builder attn = b.child("attn");
        attn.linear("qkv", h, 3 * h, true);
        attn.linear("proj", h, h, true);
        WeightSpec.Builder mlp = b.child("mlp");
        mlp.linear("gate_proj", h, v.intermediateSize(), true);
        mlp.linear("up_proj", h, v.intermediateSize(), true);
        mlp.linear("down_proj", v.intermediateSize(), h, true);
    }
}
