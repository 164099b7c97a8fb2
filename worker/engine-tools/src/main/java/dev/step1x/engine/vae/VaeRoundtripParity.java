package dev.step1x.engine.vae;

import ai.djl.ndarray.NDArray;
import dev.step1x.engine.parity.ParityComponent;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The golden case {@code vae_roundtrip}: encode {@code in.image} (posterior mean, logvar, mode and
 * sampled latents with {@code in.enc.eps}), decode {@code in.dec.latents}, and decode the mode latents.
 * Weights: the set's {@code vae.safetensors} (BF16, widened to float32) with {@code vae_config.json}.
 */
public final class VaeRoundtripParity {

    /** The case name the component is registered under. */
    public static final String CASE = "vae_roundtrip";

    private VaeRoundtripParity() {}

    public static ParityComponent component() {
        return (manager, data) -> {
            Path dir = data.setDir();
            AutoEncoderParams params = AutoEncoderParams.fromJson(dir.resolve("vae_config.json"));
            try (AutoEncoder ae = AutoEncoder.load(manager, dir.resolve("vae.safetensors"), params)) {
                Map<String, NDArray> out = new LinkedHashMap<>();
                NDArray image = data.tensor("in.image");
                DiagonalGaussian posterior = ae.posterior(image);
                out.put("out.enc.mean", posterior.mean());
                out.put("out.enc.logvar", posterior.logvar());
                NDArray mode = ae.normalize(posterior.mode());
                out.put("out.enc.latents_mode", mode);
                try (NDArray sample = posterior.sample(data.tensor("in.enc.eps"))) {
                    out.put("out.enc.latents_sample", ae.normalize(sample));
                }
                out.put("out.dec.image", ae.decode(data.tensor("in.dec.latents")));
                out.put("out.roundtrip.image", ae.decode(mode));
                return out;
            }
        };
    }
}
