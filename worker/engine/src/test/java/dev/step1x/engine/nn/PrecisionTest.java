package dev.step1x.engine.nn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.step1x.engine.mllm.qwen25vl.Qwen25VLTextModel;
import dev.step1x.engine.runtime.EngineRuntime;
import org.junit.jupiter.api.Test;

class PrecisionTest {

    static final EngineRuntime RT = EngineRuntime.startDefault();

    @Test
    void parsesTheAcceptedNamesAndRejectsOthersByName() {
        assertThat(Precision.parse("fp16")).isEqualTo(Precision.FP16);
        assertThat(Precision.parse(" Float32 ")).isEqualTo(Precision.FP32);
        assertThat(Precision.FP16.dataType()).isEqualTo(DataType.FLOAT16);
        assertThatThrownBy(() -> Precision.parse("bf16")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'bf16'").hasMessageContaining("fp32, fp16");
    }

    @Test
    void clampsOnlyFloat16() {
        try (NDManager m = RT.newManager()) {
            NDArray big = m.create(new float[] {1e6f, -1e6f, 3f});
            assertThat(Precision.clampResidual(big)).isSameAs(big);
            NDArray half = big.toType(DataType.FLOAT16, false); // 1e6 -> inf in float16
            assertThat(half.isInfinite().any().getBoolean()).isTrue();
            float[] clamped = Precision.clampResidual(half).toType(DataType.FLOAT32, false).toFloatArray();
            assertThat(clamped).containsExactly(65504f, -65504f, 3f);
        }
    }

    /** A float16 query row with every key masked (left padding) gives finite weights, as in float32. */
    @Test
    void float16AttentionWithAFullyMaskedRowStaysFinite() {
        try (NDManager m = RT.newManager()) {
            NDArray q = m.randomNormal(new Shape(1, 2, 4, 8)).toType(DataType.FLOAT16, false);
            NDArray k = m.randomNormal(new Shape(1, 2, 4, 8)).toType(DataType.FLOAT16, false);
            NDArray v = m.randomNormal(new Shape(1, 2, 4, 8)).toType(DataType.FLOAT16, false);
            NDArray keyMask = m.create(new long[] {0, 0, 1, 1}).reshape(1, 4);
            NDArray mask = Qwen25VLTextModel.causalMask(m, 1, 4, keyMask, DataType.FLOAT16);
            assertThat(mask.getDataType()).isEqualTo(DataType.FLOAT16);
            assertThat(mask.toType(DataType.FLOAT32, false).min().getFloat()).isEqualTo(-65504f);
            NDArray out = Attention.scaledDotProduct(q, k, v, mask, 0);
            assertThat(out.getDataType()).isEqualTo(DataType.FLOAT16);
            assertThat(out.isNaN().any().getBoolean()).isFalse();
            // rows with a valid key equal the float32 computation to float16 precision (fully masked rows are
            // padding: uniform in float32, where -3.4e38 absorbs the scores, score-weighted in float16)
            NDArray ref = Attention.scaledDotProduct(q.toType(DataType.FLOAT32, false), k.toType(DataType.FLOAT32, false),
                    v.toType(DataType.FLOAT32, false), Qwen25VLTextModel.causalMask(m, 1, 4, keyMask, DataType.FLOAT32), 0);
            NDArray valid = out.toType(DataType.FLOAT32, false).get(":, :, 2:").sub(ref.get(":, :, 2:"));
            assertThat(valid.abs().max().getFloat()).isLessThan(5e-3f);
        }
    }
}
