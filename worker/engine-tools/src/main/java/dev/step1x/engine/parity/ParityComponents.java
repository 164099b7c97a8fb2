package dev.step1x.engine.parity;

import static java.util.Map.entry;

import dev.step1x.engine.ModelVersion;
import dev.step1x.engine.connector.ConnectorForwardParity;
import dev.step1x.engine.dit.DitForwardParity;
import dev.step1x.engine.dit.Fp8Parity;
import dev.step1x.engine.dit.LoraMergeParity;
import dev.step1x.engine.image.ImagePreprocessParity;
import dev.step1x.engine.image.ResizeStep1xParity;
import dev.step1x.engine.mllm.qwen25vl.FullForwardParity;
import dev.step1x.engine.mllm.qwen25vl.VisionForwardParity;
import dev.step1x.engine.pipeline.PipelineParity;
import dev.step1x.engine.sampler.DenoiseCfgParity;
import dev.step1x.engine.sampler.SamplerEnd2EndParity;
import dev.step1x.engine.tokenizer.TokenizeParity;
import dev.step1x.engine.vae.VaeRoundtripParity;
import java.util.Map;

/**
 * The engine components registered for golden cases, by case name, or for every case of a set as
 * {@code "<set>/*"}; the rest are NOT IMPLEMENTED.
 */
public final class ParityComponents {

    private ParityComponents() {}

    public static Map<String, ParityComponent> registered() {
        return Map.ofEntries(
                // step1x set
                entry("connector_forward", ConnectorForwardParity.component()),
                entry("dit_forward", DitForwardParity.component("dit.safetensors")),
                entry("dit_forward_bf16weights", DitForwardParity.component("dit_bf16.safetensors")),
                entry("denoise_cfg_v11", DenoiseCfgParity.component()),
                entry("sampler_end2end", SamplerEnd2EndParity.component(ModelVersion.V1_0)),
                entry("sampler_end2end_v11", SamplerEnd2EndParity.component(ModelVersion.V1_1)),
                entry("vae_roundtrip", VaeRoundtripParity.component()),
                entry("resize_step1x", ResizeStep1xParity.component()),
                // step1x_lora and step1x_fp8 sets
                entry("lora_merge", LoraMergeParity.component("lora.safetensors")),
                entry("lora_merge_split", LoraMergeParity.component("lora_split.safetensors")),
                entry("dit_forward_fp8", Fp8Parity.ditForward()),
                entry("fp8_convert", Fp8Parity.convert()),
                // qwen25vl set
                entry("image_preprocess", ImagePreprocessParity.component(false)),
                entry("image_preprocess_step1x", ImagePreprocessParity.component(true)),
                entry("vision_forward", VisionForwardParity.component()),
                entry("tokenize", TokenizeParity.component()),
                entry("full_forward", FullForwardParity.component()),
                entry("full_forward_bang", FullForwardParity.component()),
                entry("full_forward_step1x", FullForwardParity.component()),
                // pipeline set: every case (and its batch variant) through the production pipeline
                entry("pipeline/*", PipelineParity.component()));
    }
}
