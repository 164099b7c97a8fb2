package dev.step1x.engine.sampler;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import dev.step1x.engine.ModelVersion;
import dev.step1x.engine.Tap;
import dev.step1x.engine.connector.Qwen2ConnectorConfig;
import dev.step1x.engine.dit.EmbedND;
import dev.step1x.engine.dit.Step1XEdit;
import dev.step1x.engine.dit.Step1XParams;
import dev.step1x.engine.parity.ParityComponent;
import dev.step1x.engine.parity.TapRecorder;
import dev.step1x.engine.vae.AutoEncoder;
import dev.step1x.engine.vae.AutoEncoderParams;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Golden cases {@code sampler_end2end} (v1.0) and {@code sampler_end2end_v11}: the official
 * generate_image() flow on given MLLM states and noise: encode the reference (posterior mode), schedule,
 * pack, ids, CFG Euler denoise, unpack, decode, clamp, to [0, 1], to uint8 by truncation.
 */
public final class SamplerEnd2EndParity {

    private SamplerEnd2EndParity() {}

    public static ParityComponent component(ModelVersion version) {
        return (manager, data) -> {
            Path dir = data.setDir();
            AutoEncoder ae = AutoEncoder.load(manager, dir.resolve("vae.safetensors"),
                    AutoEncoderParams.fromJson(dir.resolve("vae_config.json")));
            Step1XEdit dit = Step1XEdit.load(manager,
                    dir.resolve(version == ModelVersion.V1_1 ? "dit_v11.safetensors" : "dit.safetensors"),
                    Step1XParams.fromJson(dir.resolve("dit_config.json")),
                    Qwen2ConnectorConfig.fromJson(dir.resolve("connector_config.json")), version,
                    data.precision().dataType());

            // to_tensor: uint8 HWC -> float32 CHW / 255; encode() receives 2x - 1
            NDArray refU8 = data.tensor("in.ref_image_u8_hwc");
            NDArray ref01 = refU8.toType(DataType.FLOAT32, false).div(255f).transpose(2, 0, 1).expandDims(0);
            NDArray refLatents = ae.encode(ref01.mul(2f).sub(1f));
            NDArray noise = data.tensor("in.noise");
            long gridH = noise.getShape().get(2) / 2;
            long gridW = noise.getShape().get(3) / 2;
            int steps = (int) data.tensor("in.num_steps").getLong();
            float guidance = data.tensor("in.cfg_guidance").getFloat();
            double[] timesteps = Sampling.schedule(steps, gridH * gridW);

            NDArray llm = data.tensor("in.llm_embedding");
            NDArray mask = data.tensor("in.mask");
            long rows = llm.getShape().get(0);
            NDArray imgIds = Packing.targetIds(manager, gridH, gridW)
                    .concat(Packing.referenceIds(manager, gridH, gridW, version), 0).expandDims(0).repeat(0, rows);
            NDArray txtIds = Packing.textIds(manager, llm.getShape().get(1)).expandDims(0).repeat(0, rows);
            EmbedND.Rope pe = dit.rope(txtIds, imgIds);

            TapRecorder mids = new TapRecorder(manager, "mid.");
            NDArray latentsPacked = Denoiser.denoise(Packing.pack(noise), Packing.pack(refLatents), timesteps,
                    new float[] {guidance}, version,
                    (img, tVec, step) -> dit.forward(img, pe, tVec, llm, tVec, mask, Tap.NONE), mids);
            Map<String, NDArray> out = new HashMap<>(mids.tensors());
            NDArray latents = Packing.unpack(latentsPacked, gridH, gridW);
            NDArray decoded = ae.decode(latents);
            NDArray clamped = decoded.clip(-1f, 1f);
            NDArray image01 = clamped.mul(0.5f).add(0.5f);
            // to_pil_image: mul(255).byte() truncates; then HWC
            NDArray u8 = image01.mul(255f).toType(DataType.UINT8, false).get(0).transpose(1, 2, 0);

            out.put("mid.ref_latents", refLatents);
            out.put("out.latents_packed", latentsPacked);
            out.put("out.latents", latents);
            out.put("out.decoded", decoded);
            out.put("out.decoded_clamped", clamped);
            out.put("out.image01", image01);
            out.put("out.image_u8_hwc", u8.toType(DataType.INT32, false));
            float[] ts = new float[timesteps.length];
            for (int i = 0; i < ts.length; i++) {
                ts[i] = (float) timesteps[i];
            }
            out.put("out.timesteps", manager.create(ts));
            return out;
        };
    }
}
