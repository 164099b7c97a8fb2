package dev.step1x.engine.lora;

import dev.step1x.engine.weights.WeightSpec;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The DiT layers a kohya-format LoRA may target, by the rule of the official inference
 * ({@code LoRANetwork} as {@code create_network_from_weights} builds it):
 * <ul>
 *   <li>every Linear inside a double-stream or single-stream block ({@code double_blocks.*}, {@code single_blocks.*}:
 *       {@code img_mod.lin}, {@code img_attn.qkv}, {@code img_attn.proj}, {@code img_mlp.0}, {@code img_mlp.2}, the same
 *       for {@code txt_}, and {@code linear1}, {@code linear2}, {@code modulation.lin});</li>
 *   <li>every Linear of the DiT whose LoRA name contains {@code _img_in}, {@code _time_in}, {@code _vector_in},
 *       {@code _guidance_in} or {@code _txt_in} ({@code img_in}, {@code time_in.in_layer}, {@code time_in.out_layer},
 *       {@code vector_in.in_layer}, {@code vector_in.out_layer}, {@code txt_in}).</li>
 * </ul>
 * Never targeted: {@code final_layer.*} and the connector. A layer's LoRA name is {@code lora_unet_} + its module
 * path with dots replaced by underscores ({@code double_blocks.0.img_attn.qkv} → {@code
 * lora_unet_double_blocks_0_img_attn_qkv}). Full-size model: 19·10 + 38·3 + 6 = 310 targets.
 *
 * <p>The fused layers have a split form (per-split LoRA factors): {@code *_attn.qkv} splits its output rows into
 * q | k | v (3 × hidden), {@code linear1} into q | k | v | MLP input.
 */
public final class LoraTargets {

    /** The prefix of DiT LoRA module names. */
    public static final String UNET_PREFIX = "lora_unet_";
    private static final List<String> INPUT_LAYER_MARKERS = List.of("_img_in", "_time_in", "_vector_in",
            "_guidance_in", "_txt_in");

    /**
     * One targeted Linear.
     *
     * @param weightKey the DiT checkpoint key of its weight ({@code double_blocks.0.img_attn.qkv.weight})
     * @param splits the output-row blocks of its split form (q | k | v [| mlp]), or null when it has none
     */
    public record Target(String loraName, String weightKey, long out, long in, long[] splits) {}

    private final Map<String, Target> byName;
    private final Map<String, Target> byKey;

    private LoraTargets(Map<String, Target> byName) {
        this.byName = Collections.unmodifiableMap(byName);
        Map<String, Target> k = new LinkedHashMap<>();
        byName.values().forEach(t -> k.put(t.weightKey(), t));
        this.byKey = Collections.unmodifiableMap(k);
    }

    /** The targets of a DiT with these weights (its {@code Step1XEdit.weightSpec}). */
    public static LoraTargets of(WeightSpec dit) {
        Map<String, Target> out = new LinkedHashMap<>();
        for (Map.Entry<String, long[]> e : dit.shapes().entrySet()) {
            String key = e.getKey();
            long[] shape = e.getValue();
            if (!key.endsWith(".weight") || shape.length != 2 || !isTargetKey(key)) {
                continue;
            }
            String module = key.substring(0, key.length() - ".weight".length());
            String name = loraName(key);
            long[] splits = null;
            if (module.startsWith("double_blocks.") && module.endsWith("_attn.qkv")) {
                long h = shape[0] / 3;
                splits = new long[] {h, h, h};
            } else if (module.startsWith("single_blocks.") && module.endsWith(".linear1")) {
                long h = shape[1];
                splits = new long[] {h, h, h, shape[0] - 3 * h};
            }
            Target before = out.put(name, new Target(name, key, shape[0], shape[1], splits));
            if (before != null) {
                throw new IllegalStateException("two DiT weights share the LoRA name " + name + ": "
                        + before.weightKey() + ", " + key);
            }
        }
        return new LoraTargets(out);
    }

    /** Whether the Linear whose weight has checkpoint key {@code weightKey} is a LoRA target (the rule above). */
    public static boolean isTargetKey(String weightKey) {
        if (!weightKey.endsWith(".weight")) {
            return false;
        }
        if (weightKey.startsWith("double_blocks.") || weightKey.startsWith("single_blocks.")) {
            return true;
        }
        String name = loraName(weightKey);
        return INPUT_LAYER_MARKERS.stream().anyMatch(name::contains);
    }

    /** {@code lora_unet_} + the module path of a weight key with dots as underscores. */
    public static String loraName(String weightKey) {
        String module = weightKey.endsWith(".weight") ? weightKey.substring(0, weightKey.length() - 7) : weightKey;
        return UNET_PREFIX + module.replace('.', '_');
    }

    /** Target by LoRA module name, in module order. */
    public Map<String, Target> byName() {
        return byName;
    }

    /** Target by DiT weight key, or null. */
    public Target byWeightKey(String weightKey) {
        return byKey.get(weightKey);
    }

    public int size() {
        return byName.size();
    }
}
