// Port of huggingface/transformers models/qwen2_5_vl/modeling_qwen2_5_vl.py @ 00b676f (Qwen2.5-VL).
// Keys (hub legacy layout): visual.*, model.embed_tokens, model.layers.{i}.*, model.norm; lm_head ignored.
package dev.step1x.engine.mllm.qwen25vl;

import dev.step1x.engine.weights.WeightSpec;
import java.util.Set;

/**
 * Qwen2.5-VL as Step1X-Edit uses it: an encoder returning the last hidden states (after the final
 * RMSNorm) of one prefill forward. Checkpoint keys are the hub ones of {@code Qwen/Qwen2.5-VL-7B-Instruct}
 * ({@code Qwen2_5_VLForConditionalGeneration}: {@code visual.*}, {@code model.*}, {@code lm_head}).
 *
 * <p>The spec has no {@code lm_head.weight}: hidden states never go through it, so loading it would
 * waste ~1 GiB (7B, bf16). The 7B checkpoint holds it (untied), the tiny parity file does not; pass
 * {@link #ignorableKeys(Qwen25VLConfig)} to the strict loader so it is skipped when present and not
 * required when absent.
 */
public final class Qwen25VLModel {

    /** The LM head: in untied checkpoints, [vocab_size, hidden_size]; unused by an encoder. */
    public static final String LM_HEAD_KEY = "lm_head.weight";

    private Qwen25VLModel() {}

    /** Every tensor the encoder needs, with its exact shape, in module order (vision tower, then text model). */
    public static WeightSpec weightSpec(Qwen25VLConfig config) {
        WeightSpec.Builder b = WeightSpec.builder();
        declare(b, config);
        return b.build();
    }

    /** Declares {@code visual.*} and {@code model.*} under {@code b}. */
    public static void declare(WeightSpec.Builder b, Qwen25VLConfig config) {
        Qwen25VisionTransformer.declare(b.child("visual"), config.visionConfig());
        Qwen25VLTextModel.declare(b.child("model"), config);
    }

    /** Checkpoint keys that may be present but are not loaded: {@value #LM_HEAD_KEY}. */
    public static Set<String> ignorableKeys(Qwen25VLConfig config) {
        return Set.of(LM_HEAD_KEY);
    }

    /**
     * Maps the in-memory names of newer transformers (&ge; 4.52), which some fine-tune tools save,
     * to the hub names the spec uses: {@code model.language_model.X -> model.X},
     * {@code model.visual.X -> visual.X}; other keys are returned unchanged.
     */
    public static String legacyKey(String key) {
        if (key.startsWith("model.language_model.")) {
            return "model." + key.substring("model.language_model.".length());
        }
        if (key.startsWith("model.visual.")) {
            return key.substring("model.".length());
        }
        return key;
    }
}
