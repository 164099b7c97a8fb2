package dev.step1x.engine.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.step1x.engine.image.PillowResize.Filter;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class PillowResizeTest {

    static RgbImage random(int w, int h, long seed) {
        byte[] d = new byte[w * h * 3];
        new Random(seed).nextBytes(d);
        return new RgbImage(w, h, d);
    }

    @ParameterizedTest
    @EnumSource(Filter.class)
    void anUnchangedSizeIsAnExactCopy(Filter f) {
        RgbImage src = random(37, 23, 1);
        RgbImage out = PillowResize.resize(src, 37, 23, f);
        assertThat(out).isEqualTo(src);
        assertThat(out.data()).isNotSameAs(src.data());
    }

    @Test
    void argumentsAreValidated() {
        RgbImage src = random(4, 4, 2);
        assertThatThrownBy(() -> PillowResize.resize(src, 0, 4, Filter.BICUBIC))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least 1x1").hasMessageContaining("0x4");
        assertThatThrownBy(() -> PillowResize.resize(src, 4, -3, Filter.LANCZOS))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("4x-3");
        assertThatThrownBy(() -> PillowResize.resize(null, 4, 4, Filter.LANCZOS)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> PillowResize.resize(src, 4, 4, null)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> PillowResize.resize(src, 100_000, 100_000, Filter.BICUBIC))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("too large");
        assertThatThrownBy(() -> new RgbImage(0, 4, new byte[0])).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new RgbImage(2, 2, new byte[11]))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("expected 12");
    }

    @ParameterizedTest
    @EnumSource(Filter.class)
    void aConstantImageStaysConstant(Filter f) {
        RgbImage src = RgbImage.blank(31, 17);
        for (int i = 0; i < src.data().length; i += 3) {
            src.data()[i] = (byte) 200;
            src.data()[i + 1] = 7;
            src.data()[i + 2] = (byte) 255;
        }
        for (int[] size : new int[][] {{5, 3}, {64, 40}, {31, 50}, {9, 17}, {1, 1}}) {
            RgbImage out = PillowResize.resize(src, size[0], size[1], f);
            for (int i = 0; i < out.data().length; i += 3) {
                assertThat(out.data()[i] & 0xFF).isEqualTo(200);
                assertThat(out.data()[i + 1] & 0xFF).isEqualTo(7);
                assertThat(out.data()[i + 2] & 0xFF).isEqualTo(255);
            }
        }
    }

    /** Horizontal-then-vertical in one call equals the two single-axis resizes (row subset logic). */
    @ParameterizedTest
    @EnumSource(Filter.class)
    void bothAxesAtOnceEqualWidthThenHeight(Filter f) {
        RgbImage src = random(53, 41, 3);
        for (int[] size : new int[][] {{20, 13}, {120, 90}, {20, 90}, {120, 13}, {1, 2}}) {
            RgbImage both = PillowResize.resize(src, size[0], size[1], f);
            RgbImage twoSteps = PillowResize.resize(PillowResize.resize(src, size[0], 41, f), size[0], size[1], f);
            assertThat(both).as("%s %dx%d", f, size[0], size[1]).isEqualTo(twoSteps);
        }
    }

    @Test
    void fixedPointCoefficientsSumToAboutOne() {
        for (Filter f : Filter.values()) {
            for (int[] io : new int[][] {{100, 48}, {150, 624}, {7, 3}, {3, 1000}, {1, 5}, {5, 1}}) {
                PillowResize.AxisCoefficients c = PillowResize.coefficients(io[0], io[1], f);
                for (int i = 0; i < io[1]; i++) {
                    long sum = 0;
                    for (int j = 0; j < c.count()[i]; j++) {
                        sum += c.k()[i * c.ksize() + j];
                    }
                    assertThat(c.count()[i]).isPositive();
                    assertThat(c.min()[i] + c.count()[i]).isLessThanOrEqualTo(io[0]);
                    assertThat(Math.abs(sum - (1 << 22))).as("%s %s i=%d", f, io[0] + "->" + io[1], i).isLessThanOrEqualTo(c.count()[i]);
                }
            }
        }
    }

    @Test
    void bicubicKernelValues() {
        assertThat(Filter.BICUBIC.weight(0)).isEqualTo(1.0);
        assertThat(Filter.BICUBIC.weight(1)).isEqualTo(0.0);
        assertThat(Filter.BICUBIC.weight(0.5)).isEqualTo(0.5625);
        assertThat(Filter.BICUBIC.weight(-1.5)).isEqualTo(-0.0625);
        assertThat(Filter.BICUBIC.weight(2)).isEqualTo(0.0);
        assertThat(Filter.LANCZOS.weight(0)).isEqualTo(1.0);
        assertThat(Filter.LANCZOS.weight(3)).isEqualTo(0.0);
        assertThat(Filter.LANCZOS.weight(-3)).isNotEqualTo(0.0 / 0.0).isCloseTo(0.0, org.assertj.core.data.Offset.offset(1e-15));
        assertThat(Filter.BILINEAR.weight(-0.25)).isEqualTo(0.75);
    }

    @Test
    void aLargeResizeIsFast() {
        RgbImage src = random(1024, 1024, 4);
        long t0 = System.nanoTime();
        RgbImage out = PillowResize.resize(src, 832, 1248, Filter.LANCZOS);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertThat(out.width()).isEqualTo(832);
        assertThat(ms).as("ms").isLessThan(10_000);
    }
}
