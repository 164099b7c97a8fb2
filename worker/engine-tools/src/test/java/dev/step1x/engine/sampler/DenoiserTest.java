package dev.step1x.engine.sampler;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.step1x.engine.ModelVersion;
import dev.step1x.engine.Tap;
import dev.step1x.engine.parity.ParityCase;
import dev.step1x.engine.parity.ParityCatalog;
import dev.step1x.engine.parity.ParityPaths;
import dev.step1x.engine.parity.ParityRunner;
import dev.step1x.engine.runtime.EngineRuntime;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DenoiserTest {

    @Test
    void goldenDenoiseCfgV11Passes() throws Exception {
        EngineRuntime rt = EngineRuntime.startDefault();
        ParityCase c = ParityCatalog.find(ParityPaths.defaultParityDir(), "denoise_cfg_v11");
        List<ParityRunner.Row> rows = new ParityRunner(rt, Map.of(c.name(), DenoiseCfgParity.component())).runCase(c);
        assertThat(rows).isNotEmpty().allSatisfy(r -> assertThat(r.status()).as(r.toString()).isEqualTo(ParityRunner.Status.PASS));
    }

    @Test
    void processDiffNormCoversEveryBranch() {
        try (NDManager m = EngineRuntime.startDefault().newManager()) {
            NDArray n = m.create(new float[] {0f, 0.5f, 1f, 1.001f, 3.7f});
            float[] f = Denoiser.processDiffNorm(n, 0.4f).toFloatArray();
            assertThat(f[0]).isEqualTo(1f);
            assertThat(f[1]).isEqualTo(1f);
            assertThat(f[2]).isEqualTo(1f);
            assertThat(f[3]).isEqualTo((float) Math.pow(1.001f, 0.4f), org.assertj.core.data.Offset.offset(1e-6f));
            assertThat(f[4]).isEqualTo((float) Math.pow(3.7f, 0.4f), org.assertj.core.data.Offset.offset(1e-6f));
        }
    }

    /** Requests batched together integrate exactly as alone: per-row guidance, reference untouched. */
    @Test
    void batchedRowsEqualSingleRows() {
        try (NDManager m = EngineRuntime.startDefault().newManager()) {
            NDArray t1 = m.randomNormal(new Shape(1, 5, 8));
            NDArray t2 = m.randomNormal(new Shape(1, 5, 8));
            NDArray r1 = m.randomNormal(new Shape(1, 5, 8));
            NDArray r2 = m.randomNormal(new Shape(1, 5, 8));
            NDArray w = m.randomNormal(new Shape(8, 8));
            // a stand-in model that mixes tokens, depends on t and sees the reference half
            Denoiser.VelocityModel model = (img, tVec, step) -> img.matMul(w).mul(tVec.reshape(-1, 1, 1)).add(
                    img.sum(new int[] {1}, true).mul(0.1f));
            double[] ts = Sampling.schedule(4, 5);
            for (ModelVersion v : ModelVersion.values()) {
                NDArray alone1 = Denoiser.denoise(t1, r1, ts, new float[] {6f}, v, model, Tap.NONE);
                NDArray alone2 = Denoiser.denoise(t2, r2, ts, new float[] {2.5f}, v, model, Tap.NONE);
                NDArray both = Denoiser.denoise(t1.concat(t2, 0), r1.concat(r2, 0), ts, new float[] {6f, 2.5f}, v,
                        model, Tap.NONE);
                assertThat(both.get("0:1").toFloatArray()).containsExactly(alone1.toFloatArray());
                assertThat(both.get("1:2").toFloatArray()).containsExactly(alone2.toFloatArray());
            }
        }
    }
}
