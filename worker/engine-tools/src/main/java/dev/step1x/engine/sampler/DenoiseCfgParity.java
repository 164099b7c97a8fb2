package dev.step1x.engine.sampler;

import ai.djl.ndarray.NDArray;
import dev.step1x.engine.ModelVersion;
import dev.step1x.engine.parity.ParityComponent;
import dev.step1x.engine.parity.TapRecorder;
import java.util.HashMap;
import java.util.Map;

/**
 * Golden case {@code denoise_cfg_v11}: the v1.1 CFG + Euler rule alone, with the DiT replaced by the
 * recorded predictions {@code in.pred_steps[step]}.
 */
public final class DenoiseCfgParity {

    private DenoiseCfgParity() {}

    public static ParityComponent component() {
        return (manager, data) -> {
            NDArray img = data.tensor("in.img"); // [2, 2T, C], rows equal
            long tokens = img.getShape().get(1) / 2;
            NDArray target = img.get("0:1, :{}", tokens);
            NDArray reference = img.get("0:1, {}:", tokens);
            double[] timesteps = toDoubles(data.tensor("in.timesteps").toFloatArray());
            float guidance = data.tensor("in.cfg_guidance").getFloat();
            NDArray predSteps = data.tensor("in.pred_steps");
            TapRecorder mids = new TapRecorder(manager, "mid.");
            NDArray denoised = Denoiser.denoise(target, reference, timesteps, new float[] {guidance},
                    ModelVersion.V1_1, (batch, tVec, step) -> predSteps.get(step), mids);
            Map<String, NDArray> out = new HashMap<>(mids.tensors());
            out.put("out.img", denoised);
            return out;
        };
    }

    static double[] toDoubles(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }
}
