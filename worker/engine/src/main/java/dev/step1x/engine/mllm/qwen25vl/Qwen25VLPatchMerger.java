// Port of huggingface/transformers models/qwen2_5_vl/modeling_qwen2_5_vl.py @ 00b676f (Qwen2_5_VLPatchMerger).
// Keys (relative to visual.merger): ln_q.weight, mlp.0.{weight,bias}, mlp.2.{weight,bias}
package dev.step1x.engine.mllm.qwen25vl;

import ai.djl.ndarray.NDArray;
import dev.step1x.engine.nn.Linear;
import dev.step1x.engine.nn.Params;
import dev.step1x.engine.nn.RMSNorm;

/**
 * RMSNorm ({@code ln_q}, eps 1e-6), then each group of {@code spatial_merge_size²} consecutive patch
 * rows becomes one row of {@code 4·hidden}, then {@code Linear -> GELU(erf) -> Linear} into the text width.
 */
public final class Qwen25VLPatchMerger {

    private final RMSNorm lnQ;
    private final Linear mlp0;
    private final Linear mlp2;
    private final long merged;

    public Qwen25VLPatchMerger(Params p, Qwen25VLConfig.VisionConfig cfg) {
        merged = cfg.mergedHiddenSize();
        lnQ = new RMSNorm(p.child("ln_q"), "weight", cfg.hiddenSize(), (float) Qwen25VLConfig.VisionConfig.RMS_NORM_EPS);
        // nn.Sequential(Linear, GELU(), Linear): indices 0 and 2
        Params mlp = p.child("mlp");
        mlp0 = new Linear(mlp.child("0"), merged, merged, true);
        mlp2 = new Linear(mlp.child("2"), merged, cfg.outHiddenSize(), true);
    }

    /** {@code [N, hidden]} (N a multiple of merge²) -> {@code [N / merge², out_hidden]}. */
    public NDArray forward(NDArray x) {
        NDArray grouped = lnQ.forward(x).reshape(-1, merged);
        // nn.GELU() default: the exact erf form; libtorch's gelu without approximation is that form
        return mlp2.forward(ai.djl.nn.Activation.gelu(mlp0.forward(grouped)));
    }
}
