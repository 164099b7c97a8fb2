// Port of huggingface/transformers models/qwen2_5_vl/modeling_qwen2_5_vl.py @ 00b676f (Qwen2_5_VLVisionBlock).
// Keys (relative to visual.blocks.{j}): norm1.weight, norm2.weight, attn.{qkv,proj}.{weight,bias},
// mlp.{gate,up,down}_proj.{weight,bias}
package dev.step1x.engine.mllm.qwen25vl;

import dev.step1x.engine.nn.Precision;
import ai.djl.ndarray.NDArray;
import dev.step1x.engine.nn.Params;
import dev.step1x.engine.nn.RMSNorm;
import dev.step1x.engine.nn.Scoped;
import java.util.List;

/** Pre-norm vision block: RMSNorm -> fused-qkv attention (2-D RoPE) -> RMSNorm -> SwiGLU MLP with biases. */
public final class Qwen25VLVisionBlock {

    private final RMSNorm norm1;
    private final RMSNorm norm2;
    private final Qwen25VLVisionAttention attn;
    private final Qwen25VLVisionMLP mlp;

    public Qwen25VLVisionBlock(Params p, Qwen25VLConfig.VisionConfig cfg) {
        float eps = (float) Qwen25VLConfig.VisionConfig.RMS_NORM_EPS;
        norm1 = new RMSNorm(p.child("norm1"), "weight", cfg.hiddenSize(), eps);
        norm2 = new RMSNorm(p.child("norm2"), "weight", cfg.hiddenSize(), eps);
        attn = new Qwen25VLVisionAttention(p.child("attn"), cfg);
        mlp = new Qwen25VLVisionMLP(p.child("mlp"), cfg);
    }

    /**
     * {@code x += attn(norm1(x)); x += mlp(norm2(x))}, the block's intermediates freed.
     *
     * @param x {@code [N, hidden]} (window order)
     * @param cos rotary cos {@code [N, 1, head_dim]} float32
     * @param sin rotary sin {@code [N, 1, head_dim]} float32
     * @param runs the attention segments ({@link Qwen25VLVisionAttention#runs})
     * @return a new {@code [N, hidden]}
     */
    public NDArray forward(NDArray x, NDArray cos, NDArray sin, List<Qwen25VLVisionAttention.Run> runs) {
        return Scoped.run(() -> {
            NDArray h = x.add(attn.forward(norm1.forward(x), cos, sin, runs));
            return Precision.clampResidual(h.add(mlp.forward(norm2.forward(h))));
        });
    }
}
