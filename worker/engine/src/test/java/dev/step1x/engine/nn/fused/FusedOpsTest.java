package dev.step1x.engine.nn.fused;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.step1x.engine.nn.Attention;
import dev.step1x.engine.nn.GroupNorm;
import dev.step1x.engine.nn.LoadedParams;
import dev.step1x.engine.runtime.EngineRuntime;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class FusedOpsTest {

    private static EngineRuntime runtime;

    @BeforeAll
    static void start() {
        runtime = EngineRuntime.startDefault();
    }

    @AfterEach
    void restoreMode() {
        FusedOps.setMode(FusedOps.Mode.AUTO);
    }

    @Test
    void modeParsesTheThreeValuesAndRejectsOthers() {
        assertThat(FusedOps.Mode.parse(null)).isEqualTo(FusedOps.Mode.AUTO);
        assertThat(FusedOps.Mode.parse(" Auto ")).isEqualTo(FusedOps.Mode.AUTO);
        assertThat(FusedOps.Mode.parse("fused")).isEqualTo(FusedOps.Mode.FUSED);
        assertThat(FusedOps.Mode.parse("COMPOSED")).isEqualTo(FusedOps.Mode.COMPOSED);
        assertThatThrownBy(() -> FusedOps.Mode.parse("sdpa")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("auto, fused, composed");
    }

    @Test
    void theModulePassesItsSelfTestOnTheCpuInFloat32() {
        FusedOps f = FusedOps.on(runtime.device());
        assertThat(f.supports(FusedOps.Kernel.ATTENTION, DataType.FLOAT32)).as(f.selfTestReport().toString()).isTrue();
        assertThat(f.supports(FusedOps.Kernel.GROUP_NORM, DataType.FLOAT32)).as(f.selfTestReport().toString()).isTrue();
        assertThat(f.supports(FusedOps.Kernel.ATTENTION, DataType.FLOAT64)).isFalse();
        assertThat(f.selfTestReport()).anyMatch(l -> l.contains("padded finite mask") && l.endsWith("PASS"));
        assertThat(FusedOps.describe(runtime.device())).startsWith("fused ops auto (TorchScript, attention fp32");
        // one module per device, whatever Device instance names it
        assertThat(FusedOps.on(Device.cpu())).isSameAs(f);
    }

    @Test
    void aKernelWithWrongResultsFailsTheSelfTestAndIsNotUsed() {
        String wrong = FusedOps.SOURCE.replace("return torch.scaled_dot_product_attention(q, k, v)\n",
                "return torch.add(torch.scaled_dot_product_attention(q, k, v), 0.1)\n");
        assertThat(wrong).isNotEqualTo(FusedOps.SOURCE);
        FusedOps f = FusedOps.loadAndTest(runtime.device(), wrong);
        assertThat(f.supports(FusedOps.Kernel.ATTENTION, DataType.FLOAT32)).isFalse();
        assertThat(f.supports(FusedOps.Kernel.ATTENTION, DataType.FLOAT16)).isFalse();
        assertThat(f.supports(FusedOps.Kernel.GROUP_NORM, DataType.FLOAT32)).isTrue();
        assertThat(f.selfTestReport()).anyMatch(l -> l.startsWith("attention fp32 unmasked") && l.endsWith("FAIL"));
        assertThat(f.describe()).contains("attention failed its self-test");
    }

    @Test
    void aModuleThatDoesNotCompileLeavesTheComposedOps() {
        String broken = FusedOps.SOURCE.replace("torch.group_norm(", "torch.no_such_group_norm(");
        FusedOps f = FusedOps.loadAndTest(runtime.device(), broken);
        for (FusedOps.Kernel k : FusedOps.Kernel.values()) {
            assertThat(f.supports(k, DataType.FLOAT32)).isFalse();
        }
        assertThat(f.describe()).startsWith("TorchScript module did not load");
    }

    @Test
    void fusedAndComposedAttentionAgreeMaskedUnmaskedAndInBlocks() {
        try (NDManager m = runtime.newManager()) {
            m.getEngine().setRandomSeed(11);
            NDArray q = m.randomNormal(new Shape(2, 3, 37, 16));
            NDArray k = m.randomNormal(new Shape(2, 3, 41, 16));
            NDArray v = m.randomNormal(new Shape(2, 3, 41, 16));
            NDArray allowed = m.randomUniform(0f, 1f, new Shape(2, 1, 37, 41)).gt(0.4f)
                    .logicalOr(m.arange(41).eq(0).reshape(1, 1, 1, 41));
            NDArray mask = Attention.additiveMask(allowed, DataType.FLOAT32);
            FusedOps f = FusedOps.on(m.getDevice());
            for (NDArray msk : new NDArray[] {null, mask}) {
                for (int chunk : new int[] {0, 5, 37}) {
                    FusedOps.setMode(FusedOps.Mode.COMPOSED);
                    float[] composed = Attention.scaledDotProduct(q, k, v, msk, chunk).toFloatArray();
                    assertThat(composed).containsExactly(Attention.composed(q, k, v, msk, chunk).toFloatArray());
                    FusedOps.setMode(FusedOps.Mode.FUSED);
                    float[] fused = Attention.scaledDotProduct(q, k, v, msk, chunk).toFloatArray();
                    // the fused route really is taken
                    assertThat(fused).containsExactly(f.attention(q, k, v, msk, chunk).toFloatArray());
                    assertThat(fused).isNotEqualTo(composed);
                    for (int i = 0; i < fused.length; i++) {
                        assertThat(fused[i]).as("mask " + (msk != null) + " chunk " + chunk + " [" + i + "]")
                                .isCloseTo(composed[i], org.assertj.core.data.Offset.offset(1e-5f));
                    }
                }
            }
        }
    }

    @Test
    void float16FusedAttentionIsCloseToFloat32() {
        FusedOps f = FusedOps.on(runtime.device());
        if (!f.supports(FusedOps.Kernel.ATTENTION, DataType.FLOAT16)) {
            return; // this libtorch has no float16 fused attention on the CPU: the composed route is used
        }
        try (NDManager m = runtime.newManager()) {
            m.getEngine().setRandomSeed(12);
            NDArray q = m.randomNormal(new Shape(1, 2, 64, 32)).toType(DataType.FLOAT16, false);
            NDArray mask = Attention.additiveMask(m.randomUniform(0f, 1f, new Shape(1, 1, 64, 64)).gt(0.5f)
                    .logicalOr(m.arange(64).eq(0).reshape(1, 1, 1, 64)), DataType.FLOAT16);
            FusedOps.setMode(FusedOps.Mode.FUSED);
            NDArray out = Attention.scaledDotProduct(q, q, q, mask, 0);
            assertThat(out.getDataType()).isEqualTo(DataType.FLOAT16);
            NDArray q32 = q.toType(DataType.FLOAT32, false);
            NDArray ref = Attention.composed(q32, q32, q32, mask.toType(DataType.FLOAT32, false), 0);
            assertThat(out.toType(DataType.FLOAT32, false).sub(ref).abs().max().getFloat()).isLessThan(1e-2f);
        }
    }

    @Test
    void fusedModeRefusesATypeTheSelfTestDidNotCoverAutoFallsBack() {
        try (NDManager m = runtime.newManager()) {
            NDArray q = m.randomNormal(new Shape(1, 1, 4, 8)).toType(DataType.FLOAT64, false);
            FusedOps.setMode(FusedOps.Mode.FUSED);
            assertThatThrownBy(() -> Attention.scaledDotProduct(q, q, q, null, 0))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("float64");
            FusedOps.setMode(FusedOps.Mode.AUTO);
            assertThat(Attention.scaledDotProduct(q, q, q, null, 0).toDoubleArray())
                    .containsExactly(Attention.composed(q, q, q, null, 0).toDoubleArray());
        }
    }

    @Test
    void groupNormFusedMatchesComposed() {
        try (NDManager m = runtime.newManager()) {
            m.getEngine().setRandomSeed(13);
            // the draws the demo model's random parameters make for a top-level weight and bias: N(0, 0.02)
            NDArray weight = m.randomNormal(0f, 0.02f, new Shape(128), DataType.FLOAT32);
            NDArray bias = m.randomNormal(0f, 0.02f, new Shape(128), DataType.FLOAT32);
            GroupNorm norm = new GroupNorm(new LoadedParams(java.util.Map.of("weight", weight, "bias", bias)), 32, 128,
                    1e-6f);
            NDArray x = m.randomNormal(new Shape(1, 128, 16, 12)).mul(4f).add(2f);
            FusedOps.setMode(FusedOps.Mode.COMPOSED);
            float[] composed = norm.forward(x).toFloatArray();
            FusedOps.setMode(FusedOps.Mode.FUSED);
            float[] fused = norm.forward(x).toFloatArray();
            assertThat(fused).isNotEqualTo(composed);
            for (int i = 0; i < fused.length; i++) {
                assertThat(fused[i]).as("[" + i + "]").isCloseTo(composed[i], org.assertj.core.data.Offset.offset(1e-5f));
            }
        }
    }
}
