package dev.step1x.engine.nn;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.BaseNDManager;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.step1x.engine.nn.fused.FusedOps;
import dev.step1x.engine.runtime.EngineRuntime;
import org.junit.jupiter.api.Test;

class AttentionTest {

    @Test
    void chunkedEqualsUnchunkedWithAndWithoutMask() {
        try (NDManager m = EngineRuntime.startDefault().newManager()) {
            m.getEngine().setRandomSeed(7);
            NDArray q = m.randomNormal(new Shape(2, 3, 37, 16));
            NDArray k = m.randomNormal(new Shape(2, 3, 41, 16));
            NDArray v = m.randomNormal(new Shape(2, 3, 41, 8));
            NDArray allowed = m.randomUniform(0f, 1f, new Shape(2, 1, 37, 41)).gt(0.3f);
            NDArray mask = Attention.additiveMask(allowed.logicalOr(m.ones(new Shape(41)).toType(DataType.BOOLEAN, false)
                    .mul(m.arange(41).eq(0))), DataType.FLOAT32);
            for (NDArray msk : new NDArray[] {null, mask}) {
                float[] full = Attention.composed(q, k, v, msk, 0).toFloatArray();
                for (int chunk : new int[] {1, 5, 16, 36, 37, 100}) {
                    NDArray chunked = Attention.composed(q, k, v, msk, chunk);
                    assertThat(chunked.getShape()).isEqualTo(new Shape(2, 3, 37, 8));
                    float[] c = chunked.toFloatArray();
                    for (int i = 0; i < c.length; i++) {
                        assertThat(c[i]).as("chunk " + chunk + " [" + i + "]").isCloseTo(full[i],
                                org.assertj.core.data.Offset.offset(1e-6f));
                    }
                }
            }
        }
    }

    @Test
    void matchesTheSoftmaxFormulaComputedByHandOnBothRoutes() {
        try (NDManager m = EngineRuntime.startDefault().newManager()) {
            for (FusedOps.Mode mode : new FusedOps.Mode[] {FusedOps.Mode.COMPOSED, FusedOps.Mode.FUSED}) {
                FusedOps.setMode(mode);
                try {
                    // one head, one query, two keys: weights softmax([q·k0, q·k1] / sqrt(2))
                    NDArray q = m.create(new float[] {1f, 0f}, new Shape(1, 1, 1, 2));
                    NDArray k = m.create(new float[] {1f, 0f, 0f, 1f}, new Shape(1, 1, 2, 2));
                    NDArray v = m.create(new float[] {10f, 20f, 30f, 40f}, new Shape(1, 1, 2, 2));
                    double s0 = 1 / Math.sqrt(2);
                    double w0 = Math.exp(s0) / (Math.exp(s0) + 1);
                    float out = Attention.scaledDotProduct(q, k, v, null, 0).getFloat(0, 0, 0, 0);
                    assertThat((double) out).as(mode.toString())
                            .isCloseTo(w0 * 10 + (1 - w0) * 30, org.assertj.core.data.Offset.offset(1e-5));
                    // masking key 0 leaves only value 30 (additive and boolean masks alike)
                    NDArray allowed = m.create(new boolean[] {false, true}, new Shape(1, 1, 1, 2));
                    NDArray mask = Attention.additiveMask(allowed, DataType.FLOAT32);
                    assertThat(Attention.scaledDotProduct(q, k, v, mask, 0).getFloat(0, 0, 0, 0)).isEqualTo(30f);
                    assertThat(Attention.scaledDotProduct(q, k, v, allowed, 0).getFloat(0, 0, 0, 0)).isEqualTo(30f);
                } finally {
                    FusedOps.setMode(FusedOps.Mode.AUTO);
                }
            }
        }
    }

    @Test
    void chunkedAttentionFreesItsBlocks() {
        try (NDManager m = EngineRuntime.startDefault().newManager()) {
            NDArray q = m.randomNormal(new Shape(1, 2, 64, 8));
            int before = ((BaseNDManager) m).getManagedArrays().size();
            NDArray out = Attention.composed(q, q, q, null, 7);
            int after = ((BaseNDManager) m).getManagedArrays().size();
            // the output plus the one transposed key view shared by all blocks
            assertThat(after - before).isLessThanOrEqualTo(2);
            out.close();
        }
    }
}
