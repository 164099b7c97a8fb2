// Port of huggingface/transformers models/qwen2_5_vl/modeling_qwen2_5_vl.py @ 00b676f (Qwen2.5-VL).
// Keys (relative to visual.merger): ln_q.weight, mlp.0.{weight,bias}, mlp.2.{weight,bias}
package dev.step1x.engine.mllm.qwen25vl;

import dev.step1x.engine.weights.WeightSpec;

/** RMSNorm, group 2x2 patches, {@code Linear -> GELU(erf) -> Linear} into the text width. */
final class Qwen25VLPatchMerger {

    private Qwen25VLPatchMerger() {}

    static void declare(WeightSpec.Builder b, Qwen25VLConfig.VisionConfig v) {
        long merged = v.mergedHiddenSize();
        b.child("ln_q").add("weight", v.hiddenSize());
        WeightSpec.Builder mlp = b.child("mlp");
        mlp.linear("0", merged, merged, true);
        mlp.linear("2", merged, v.outHiddenSize(), true);
    }
}
