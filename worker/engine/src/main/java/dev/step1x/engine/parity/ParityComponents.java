package dev.step1x.engine.parity;

import dev.step1x.engine.ModelVersion;
import dev.step1x.engine.connector.ConnectorForwardParity;
import dev.step1x.engine.dit.DitForwardParity;
import dev.step1x.engine.image.ResizeStep1xParity;
import dev.step1x.engine.sampler.DenoiseCfgParity;
import dev.step1x.engine.sampler.SamplerEnd2EndParity;
import dev.step1x.engine.vae.VaeRoundtripParity;
import java.util.Map;

/** The engine components registered for golden cases, by case name; the rest are NOT IMPLEMENTED. */
public final class ParityComponents {

    private ParityComponents() {}

    public static Map<String, ParityComponent> registered() {
        return Map.of(
                "connector_forward", ConnectorForwardParity.component(),
                "dit_forward", DitForwardParity.component("dit.safetensors"),
                "dit_forward_bf16weights", DitForwardParity.component("dit_bf16.safetensors"),
                "denoise_cfg_v11", DenoiseCfgParity.component(),
                "sampler_end2end", SamplerEnd2EndParity.component(ModelVersion.V1_0),
                "sampler_end2end_v11", SamplerEnd2EndParity.component(ModelVersion.V1_1),
                "vae_roundtrip", VaeRoundtripParity.component(),
                "resize_step1x", ResizeStep1xParity.component());
    }
}
