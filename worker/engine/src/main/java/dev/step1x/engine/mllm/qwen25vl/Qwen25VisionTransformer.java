// Port of huggingface/transformers models/qwen2_5_vl/modeling_qwen2_5_vl.py @ 00b676f (Qwen2.5-VL).
// Keys (relative to visual): patch_embed.proj.weight, blocks.{j}.*, merger.*
package dev.step1x.engine.mllm.qwen25vl;

import dev.step1x.engine.weights.WeightSpec;

/**
 * The vision tower ({@code Qwen2_5_VisionTransformerPretrainedModel}): Conv3d patch embedding (no bias),
 * window/full-attention blocks, 2x2 patch merger into the text width.
 */
final class Qwen25VisionTransformer {

    private Qwen25VisionTransformer() {}

    static void declare(WeightSpec.Builder b, Qwen25VLConfig.VisionConfig v) {
        // Qwen2_5_VisionPatchEmbed: Conv3d(in_chans -> hidden, kernel = stride = (t, p, p), bias=False)
        b.child("patch_embed").child("proj")
                .add("weight", v.hiddenSize(), v.inChans(), v.temporalPatchSize(), v.patchSize(), v.patchSize());
        WeightSpec.Builder blocks = b.child("blocks");
        for (int j = 0; j < v.depth(); j++) {
            Qwen25VLVisionBlock.declare(blocks.child(j), v);
        }
        Qwen25VLPatchMerger.declare(b.child("merger"), v);
    }
}
