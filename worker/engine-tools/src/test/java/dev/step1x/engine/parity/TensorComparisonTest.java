package dev.step1x.engine.parity;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.step1x.engine.runtime.EngineRuntime;
import org.junit.jupiter.api.Test;

class TensorComparisonTest {

    @Test
    void appliesAbsoluteAndRelativeTolerance() {
        try (NDManager m = EngineRuntime.startDefault().newManager()) {
            var expected = m.create(new float[] {1f, 100f, -3f});
            var close = m.create(new float[] {1.00001f, 100.009f, -3f});
            var result = TensorComparison.compare(close, expected, new Tolerance(2e-5, 1e-4));
            assertThat(result.pass()).isTrue();
            assertThat(result.maxAbsDiff()).isBetween(0.0088, 0.0092);

            var far = m.create(new float[] {1.001f, 100f, -3f});
            var bad = TensorComparison.compare(far, expected, new Tolerance(2e-5, 1e-4));
            assertThat(bad.pass()).isFalse();
            assertThat(bad.note()).isEqualTo("1 of 3 values outside tolerance");
        }
    }

    @Test
    void nanAndShapeMismatchFail() {
        try (NDManager m = EngineRuntime.startDefault().newManager()) {
            var expected = m.create(new float[] {1f, 2f});
            assertThat(TensorComparison.compare(m.create(new float[] {1f, Float.NaN}), expected, Tolerance.of(1)).pass())
                    .isFalse();
            var reshaped = TensorComparison.compare(m.create(new float[] {1f, 2f}, new Shape(1, 2)), expected, Tolerance.of(1));
            assertThat(reshaped.pass()).isFalse();
            assertThat(reshaped.note()).contains("(1, 2)").contains("(2)");
        }
    }

    /** uint8 images: |Δ| <= 1 is not enough, at least 99 % of the values must be exact (a one-level shift is a bug). */
    @Test
    void aMinimumExactFractionIsRequiredWhereTheToleranceAsksForIt() {
        try (NDManager m = EngineRuntime.startDefault().newManager()) {
            int n = 1000;
            byte[] golden = new byte[n];
            byte[] fewFlips = new byte[n];
            byte[] manyFlips = new byte[n];
            for (int i = 0; i < n; i++) {
                golden[i] = (byte) (i % 200);
                fewFlips[i] = (byte) (i % 200 + (i % 200 == 7 ? 1 : 0)); // 5 of 1000 off by one: 99.5 % exact
                manyFlips[i] = (byte) (i % 200 + (i % 50 == 0 ? 1 : 0)); // 20 of 1000: 98 % exact
            }
            var expected = m.create(java.nio.ByteBuffer.wrap(golden), new Shape(n), ai.djl.ndarray.types.DataType.UINT8);
            var few = m.create(java.nio.ByteBuffer.wrap(fewFlips), new Shape(n), ai.djl.ndarray.types.DataType.UINT8);
            var many = m.create(java.nio.ByteBuffer.wrap(manyFlips), new Shape(n), ai.djl.ndarray.types.DataType.UINT8);
            var ok = TensorComparison.compare(few, expected, Tolerance.UINT8_IMAGE);
            assertThat(ok.pass()).isTrue();
            assertThat(ok.exactFraction()).isEqualTo(0.995);
            assertThat(ok.note()).isEmpty();
            var bad = TensorComparison.compare(many, expected, Tolerance.UINT8_IMAGE);
            assertThat(bad.pass()).isFalse();
            assertThat(bad.maxAbsDiff()).isEqualTo(1);
            assertThat(bad.note()).contains("98.000% exact").contains("below the required 99.000%");
            // without the fraction rule the same values pass
            assertThat(TensorComparison.compare(many, expected, Tolerance.abs(1)).pass()).isTrue();
            assertThat(Tolerance.UINT8_IMAGE).hasToString("atol 1e+00 >=99% exact");
        }
    }

    @Test
    void exactComparesIntegersAcrossTypes() {
        try (NDManager m = EngineRuntime.startDefault().newManager()) {
            var expected = m.create(new long[] {3, 4});
            assertThat(TensorComparison.compare(m.create(new int[] {3, 4}), expected, Tolerance.EXACT).pass()).isTrue();
            assertThat(TensorComparison.compare(m.create(new int[] {3, 5}), expected, Tolerance.EXACT).pass()).isFalse();
        }
    }

    @Test
    void bitwiseMatchesNanWithNanAndTellsTheSignOfZero() {
        try (NDManager m = EngineRuntime.startDefault().newManager()) {
            var expected = m.create(new float[] {1f, Float.NaN, -0f});
            var same = m.create(new float[] {1f, Float.intBitsToFloat(0xFFF00000), -0f});
            assertThat(TensorComparison.compare(same, expected, Tolerance.BITWISE).pass()).isTrue();
            var plusZero = TensorComparison.compare(m.create(new float[] {1f, Float.NaN, 0f}), expected, Tolerance.BITWISE);
            assertThat(plusZero.pass()).isFalse();
            assertThat(plusZero.note()).startsWith("1 of 3");
            assertThat(TensorComparison.compare(m.create(new float[] {1f, 2f, -0f}), expected, Tolerance.BITWISE).pass())
                    .isFalse();
            assertThat(TensorComparison.compare(m.create(new float[] {Math.nextUp(1f), Float.NaN, -0f}), expected,
                    Tolerance.BITWISE).pass()).isFalse();
        }
    }
}
