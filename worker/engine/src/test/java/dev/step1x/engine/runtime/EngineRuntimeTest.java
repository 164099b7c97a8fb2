package dev.step1x.engine.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import org.junit.jupiter.api.Test;

class EngineRuntimeTest {

    @Test
    void parsesDevices() {
        assertThat(EngineRuntime.parseDevice("cpu")).isEqualTo(Device.cpu());
        assertThat(EngineRuntime.parseDevice(null)).isEqualTo(Device.cpu());
        assertThat(EngineRuntime.parseDevice("gpu")).isEqualTo(Device.gpu(0));
        assertThat(EngineRuntime.parseDevice(" GPU:3 ")).isEqualTo(Device.gpu(3));
        for (String bad : new String[] {"cuda", "gpu:", "gpu:-1", "cpu:0", "tpu", ""}) {
            assertThatThrownBy(() -> EngineRuntime.parseDevice(bad)).as(bad)
                    .hasMessageContaining("'" + bad + "'").hasMessageContaining("cpu, gpu, gpu:N");
        }
    }

    @Test
    void startsOfflineOnTheCpuAndComputes() {
        EngineRuntime rt = EngineRuntime.startDefault();
        assertThat(System.getProperty("ai.djl.offline")).isEqualTo("true");
        assertThat(System.getProperty("OPT_OUT_TRACKING")).isEqualTo("true");
        assertThat(rt.engine().getEngineName()).isEqualTo("PyTorch");
        assertThat(rt.engine().getVersion()).isEqualTo(EngineBuildInfo.current().pytorchVersion());
        try (NDManager m = rt.newManager()) {
            NDArray a = m.create(new float[] {1, 2, 3, 4}, new ai.djl.ndarray.types.Shape(2, 2));
            assertThat(a.matMul(a).toFloatArray()).containsExactly(7f, 10f, 15f, 22f);
            assertThat(a.getDevice()).isEqualTo(Device.cpu());
        }
        assertThat(rt.describe()).contains("PyTorch " + EngineBuildInfo.current().pytorchVersion()).contains("device cpu()");
    }

    /** This build carries the CPU libtorch (default profile), so a GPU request must fail and say why. */
    @Test
    void gpuRequestOnTheCpuBuildSaysWhatIsMissing() {
        assertThat(EngineBuildInfo.current().nativeArtifact()).isEqualTo("pytorch-native-cpu");
        assertThatThrownBy(() -> EngineRuntime.start(EngineRuntime.Options.defaults().withDevice("gpu:0")))
                .isInstanceOf(EngineUnavailableException.class)
                .hasMessageContaining("gpu(0)")
                .hasMessageContaining("CPU build")
                .hasMessageContaining("-Pcuda");
    }

    @Test
    void buildInfoComesFromMaven() {
        EngineBuildInfo b = EngineBuildInfo.current();
        assertThat(b.djlVersion()).matches("\\d+\\.\\d+\\.\\d+");
        assertThat(b.nativeCoordinates()).isEqualTo("ai.djl.pytorch:pytorch-native-cpu:" + b.pytorchVersion() + ":linux-x86_64");
    }

    @Test
    void rejectsNonPositiveThreadCounts() {
        assertThatThrownBy(() -> EngineRuntime.start(new EngineRuntime.Options("cpu", null, 0, "auto", false)))
                .hasMessageContaining("numThreads must be >= 1");
    }

    @Test
    void theScoreBlockIsSizedFromFreeDeviceMemoryWithinBounds() {
        long gib = 1L << 30;
        // an 80 GB card at start: 1/32 of ~79 GiB free is over the 2 GiB ceiling
        assertThat(EngineRuntime.gpuScoreBytes(new java.lang.management.MemoryUsage(-1, gib, gib, 80 * gib)))
                .isEqualTo(2 * gib);
        // 16 GiB free: 512 MiB
        assertThat(EngineRuntime.gpuScoreBytes(new java.lang.management.MemoryUsage(-1, 8 * gib, 8 * gib, 24 * gib)))
                .isEqualTo(512L << 20);
        // nearly full: the 256 MiB floor
        assertThat(EngineRuntime.gpuScoreBytes(new java.lang.management.MemoryUsage(-1, 23 * gib, 23 * gib, 24 * gib)))
                .isEqualTo(256L << 20);
        assertThat(EngineRuntime.startDefault().maxScoreBytes()).isEqualTo(dev.step1x.engine.nn.Attention.DEFAULT_SCORE_BYTES);
    }

    @Test
    void fusedOpsModeComesFromTheOptionsThenThePropertyThenAuto() {
        String saved = System.getProperty(EngineRuntime.FUSED_OPS_PROPERTY);
        try {
            System.clearProperty(EngineRuntime.FUSED_OPS_PROPERTY);
            if (System.getenv(EngineRuntime.FUSED_OPS_ENV) == null) {
                assertThat(EngineRuntime.fusedOpsSetting(null)).isEqualTo("auto");
            }
            System.setProperty(EngineRuntime.FUSED_OPS_PROPERTY, "composed");
            assertThat(EngineRuntime.fusedOpsSetting(null)).isEqualTo("composed");
            assertThat(EngineRuntime.fusedOpsSetting(" ")).isEqualTo("composed");
            assertThat(EngineRuntime.fusedOpsSetting("fused")).isEqualTo("fused");
            EngineRuntime rt = EngineRuntime.start(EngineRuntime.Options.defaults());
            assertThat(rt.describe()).endsWith("fused ops composed");
            assertThat(EngineRuntime.start(EngineRuntime.Options.defaults().withFusedOps("auto")).describe())
                    .contains("fused ops auto (TorchScript, attention fp32");
            // fused mode: checked at start for float32 and the compute type
            assertThat(EngineRuntime.start(EngineRuntime.Options.defaults().withFusedOps("fused").withDtype("fp16"))
                    .describe()).contains("compute fp16, fused ops fused (TorchScript");
            assertThatThrownBy(() -> EngineRuntime.start(EngineRuntime.Options.defaults().withFusedOps("flash")))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("auto, fused, composed");
            // the five-argument form leaves the mode unspecified
            assertThat(new EngineRuntime.Options("cpu", null, null, "auto", false).fusedOps()).isNull();
        } finally {
            if (saved == null) {
                System.clearProperty(EngineRuntime.FUSED_OPS_PROPERTY);
            } else {
                System.setProperty(EngineRuntime.FUSED_OPS_PROPERTY, saved);
            }
            dev.step1x.engine.nn.fused.FusedOps.setMode(dev.step1x.engine.nn.fused.FusedOps.Mode.AUTO);
        }
    }
}
