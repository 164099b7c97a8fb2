// Port of huggingface/transformers models/qwen2_5_vl/modeling_qwen2_5_vl.py @ 00b676f (Qwen2.5-VL).
// Keys (relative to model): embed_tokens.weight, layers.{i}.*, norm.weight
package dev.step1x.engine.mllm.qwen25vl;

import dev.step1x.engine.weights.WeightSpec;

/** The decoder stack ({@code Qwen2_5_VLTextModel}; {@code Qwen2_5_VLModel} before transformers 4.52). */
final class Qwen25VLTextModel {

    private Qwen25VLTextModel() {}

    static void declare(WeightSpec.Builder b, Qwen25VLConfig c) {
        b.child("embed_tokens").add("weight", c.vocabSize(), c.hiddenSize());
        WeightSpec.Builder layers = b.child("layers");
        for (int i = 0; i < c.numHiddenLayers(); i++) {
            Qwen25VLDecoderLayer.declare(layers.child(i), c);
        }
        b.child("norm").add("weight", c.hiddenSize());
    }
}
