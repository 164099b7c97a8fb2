// Port of stepfun-ai/Step1X-Edit modules/connector_edit.py @ 570eba6 (HunyuanVideo token refiner).
// Keys (relative to blocks.{i}): norm1.*, self_attn_qkv.*, self_attn_proj.*, norm2.*, mlp.fc{1,2}.*,
// adaLN_modulation.1.*
package dev.step1x.engine.connector;

import dev.step1x.engine.weights.WeightSpec;

/** Gated (no shift/scale) self-attention + SiLU MLP block; affine LayerNorms, no q/k norm. */
final class IndividualTokenRefinerBlock {

    private IndividualTokenRefinerBlock() {}

    static void declare(WeightSpec.Builder b, Qwen2ConnectorConfig c) {
        long h = c.hiddenSize();
        b.affineNorm("norm1", h);
        b.linear("self_attn_qkv", h, 3 * h, Qwen2ConnectorConfig.QKV_BIAS);
        b.linear("self_attn_proj", h, h, Qwen2ConnectorConfig.QKV_BIAS);
        b.affineNorm("norm2", h);
        MLP.declare(b.child("mlp"), h, c.mlpHiddenDim());
        // nn.Sequential(SiLU, Linear(h -> 2h)): index 1; chunks (gate_msa, gate_mlp)
        b.child("adaLN_modulation").linear("1", h, 2 * h, true);
    }
}
