// Port of huggingface/transformers models/qwen2_5_vl/modeling_qwen2_5_vl.py @ 00b676f (Qwen2_5_VisionPatchEmbed).
// Keys (relative to visual.patch_embed): proj.weight
package dev.step1x.engine.mllm.qwen25vl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import dev.step1x.engine.nn.Params;

/**
 * {@code Conv3d(in_chans → hidden, kernel = stride = (temporal_patch, patch, patch), bias = False)} on
 * one patch per row, i.e. a matmul: {@code pixel_values [N, C·T·P·P] · W[hidden, C·T·P·P]ᵀ} (the
 * kernel flattened in its (c, t, y, x) order, which is the order of a {@code pixel_values} row).
 */
public final class Qwen25VisionPatchEmbed {

    private final NDArray weight;
    private final long hidden;
    private final long features;

    public Qwen25VisionPatchEmbed(Params p, Qwen25VLConfig.VisionConfig cfg) {
        hidden = cfg.hiddenSize();
        features = cfg.patchFeatures();
        weight = p.child("proj").get("weight", cfg.hiddenSize(), cfg.inChans(), cfg.temporalPatchSize(),
                cfg.patchSize(), cfg.patchSize());
    }

    /** pixel values {@code [N, C·T·P·P]} (cast to the weight type) → {@code [N, hidden]}. */
    public NDArray forward(NDArray pixelValues) {
        if (pixelValues.getShape().dimension() != 2 || pixelValues.getShape().get(1) != features) {
            throw new IllegalArgumentException("pixel_values must be [N, " + features + "], got "
                    + pixelValues.getShape());
        }
        DataType type = weight.getDataType();
        NDArray x = pixelValues.getDataType() == type ? pixelValues : pixelValues.toType(type, false);
        return ai.djl.nn.core.Linear.linear(x, weight.reshape(hidden, features)).head();
    }
}
