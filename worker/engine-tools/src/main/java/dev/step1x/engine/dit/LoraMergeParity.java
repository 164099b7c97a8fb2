package dev.step1x.engine.dit;

import ai.djl.ndarray.NDArray;
import dev.step1x.engine.ModelVersion;
import dev.step1x.engine.connector.Qwen2ConnectorConfig;
import dev.step1x.engine.lora.LoraSpec;
import dev.step1x.engine.parity.ParityComponent;
import dev.step1x.engine.parity.TapRecorder;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Golden cases {@code lora_merge} ({@code lora.safetensors}) and {@code lora_merge_split}
 * ({@code lora_split.safetensors}) of step1x_lora: the step1x set's tiny v1.0 DiT ({@code ../step1x/dit.safetensors})
 * loaded with the LoRA merged at multiplier {@code in.multiplier}, then one forward on the dit_forward inputs.
 * Outputs: the merged weights ({@code out.merged.<key>}, as the DiT holds them) and {@code out.pred} (+ mid.*).
 */
public final class LoraMergeParity {

    private LoraMergeParity() {}

    /** @param loraFile file name in the step1x_lora set */
    public static ParityComponent component(String loraFile) {
        return (manager, data) -> {
            Path set = data.setDir();
            Path base = set.resolveSibling("step1x");
            float multiplier = data.tensor("in.multiplier").toFloatArray()[0];
            Step1XParams params = Step1XParams.fromJson(base.resolve("dit_config.json"));
            Qwen2ConnectorConfig connector = Qwen2ConnectorConfig.fromJson(base.resolve("connector_config.json"));
            DitOptions options = DitOptions.defaults()
                    .withLoras(List.of(new LoraSpec(set.resolve(loraFile), multiplier)));
            DitWeights weights = Step1XEdit.loadWeights(manager, base.resolve("dit.safetensors"), params, connector,
                    ModelVersion.V1_0, data.precision().dataType(), options);
            Map<String, NDArray> out = new HashMap<>();
            for (String name : data.parityCase().outputs().keySet()) {
                if (name.startsWith("out.merged.")) {
                    NDArray w = weights.dense(name.substring("out.merged.".length()));
                    if (w != null) {
                        out.put(name, w);
                    }
                }
            }
            Step1XEdit dit = new Step1XEdit(weights, params, connector, ModelVersion.V1_0);
            EmbedND.Rope pe = dit.rope(data.tensor("in.txt_ids"), data.tensor("in.img_ids"));
            TapRecorder mids = new TapRecorder(manager, "mid.");
            out.put("out.pred", dit.forward(data.tensor("in.img"), pe, data.tensor("in.timesteps"),
                    data.tensor("in.llm_embedding"), data.tensor("in.t_vec"), data.tensor("in.mask"), mids));
            out.putAll(mids.tensors());
            return out;
        };
    }
}
