package dev.step1x.engine.dit;

import ai.djl.ndarray.NDArray;
import dev.step1x.engine.ModelVersion;
import dev.step1x.engine.connector.Qwen2ConnectorConfig;
import dev.step1x.engine.parity.ParityComponent;
import dev.step1x.engine.parity.TapRecorder;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Golden cases {@code dit_forward} (weights dit.safetensors, F32) and {@code dit_forward_bf16weights}
 * (dit_bf16.safetensors widened to F32): one Step1XEdit forward, connector inside.
 */
public final class DitForwardParity {

    private DitForwardParity() {}

    /** @param weightsFile file name in the step1x set */
    public static ParityComponent component(String weightsFile) {
        return (manager, data) -> {
            Path dir = data.setDir();
            Step1XEdit dit = Step1XEdit.load(manager, dir.resolve(weightsFile),
                    Step1XParams.fromJson(dir.resolve("dit_config.json")),
                    Qwen2ConnectorConfig.fromJson(dir.resolve("connector_config.json")), ModelVersion.V1_0,
                    data.precision().dataType());
            TapRecorder mids = new TapRecorder(manager, "mid.");
            EmbedND.Rope pe = dit.rope(data.tensor("in.txt_ids"), data.tensor("in.img_ids"));
            NDArray pred = dit.forward(data.tensor("in.img"), pe, data.tensor("in.timesteps"),
                    data.tensor("in.llm_embedding"), data.tensor("in.t_vec"), data.tensor("in.mask"), mids);
            Map<String, NDArray> out = new HashMap<>(mids.tensors());
            out.put("out.pred", pred);
            return out;
        };
    }
}
