// Port of stepfun-ai/Step1X-Edit modules/connector_edit.py @ 570eba6 (HunyuanVideo token refiner).
// Keys: connector.scale_factor (v1.0 only), connector.S.*, connector.global_proj_out.*
package dev.step1x.engine.connector;

import dev.step1x.engine.ModelVersion;
import dev.step1x.engine.weights.WeightSpec;

/**
 * Maps Qwen2.5-VL hidden states to the DiT's text tokens ({@code S}, a {@link SingleTokenRefiner})
 * and pooled vector ({@code global_proj_out} of the masked mean, times {@code 1 + scale_factor} in v1.0).
 * Lives inside the DiT checkpoint under {@value #KEY_PREFIX}.
 */
public final class Qwen2Connector {

    /** The connector's attribute name in the DiT; its keys start with "connector.". */
    public static final String KEY_PREFIX = "connector";

    private Qwen2Connector() {}

    /**
     * The connector's tensors as stored in a DiT checkpoint or the parity {@code connector.safetensors}
     * (keys prefixed {@code "connector."}).
     */
    public static WeightSpec weightSpec(Qwen2ConnectorConfig config, ModelVersion version) {
        WeightSpec.Builder b = WeightSpec.builder();
        declare(b.child(KEY_PREFIX), config, version);
        return b.build();
    }

    /** Declares the connector's tensors under {@code b} (relative names: scale_factor, S.*, global_proj_out.*). */
    public static void declare(WeightSpec.Builder b, Qwen2ConnectorConfig config, ModelVersion version) {
        if (version.connectorHasScaleFactor()) {
            b.add("scale_factor", 1);
        }
        SingleTokenRefiner.declare(b.child("S"), config);
        b.linear("global_proj_out", config.inChannels(), Qwen2ConnectorConfig.GLOBAL_PROJ_OUT_FEATURES, true);
    }
}
