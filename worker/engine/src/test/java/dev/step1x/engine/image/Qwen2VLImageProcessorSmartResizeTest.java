package dev.step1x.engine.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.step1x.engine.image.Qwen2VLImageProcessor.HeightWidth;
import org.junit.jupiter.api.Test;

/** transformers' smart_resize: the design's worked examples and the edge cases. */
class Qwen2VLImageProcessorSmartResizeTest {

    private static final long MIN = Qwen2VLImageProcessor.DEFAULT_MIN_PIXELS;
    private static final long MAX = Qwen2VLImageProcessor.DEFAULT_MAX_PIXELS;
    private static final long HUB_MAX = 16384L * 28 * 28;
    private static final long S_MIN = Qwen2VLImageProcessor.STEP1X_MIN_PIXELS;
    private static final long S_MAX = Qwen2VLImageProcessor.STEP1X_MAX_PIXELS;

    private static HeightWidth sr(int h, int w, long min, long max) {
        return Qwen2VLImageProcessor.smartResize(h, w, 28, min, max);
    }

    @Test
    void limitsAreTheDocumentedOnes() {
        assertThat(MIN).isEqualTo(3136);
        assertThat(MAX).isEqualTo(1003520);
        assertThat(S_MIN).isEqualTo(200704);
        assertThat(S_MAX).isEqualTo(254016);
        assertThat(Qwen2VLImageProcessor.Config.defaults().factor()).isEqualTo(28);
        assertThat(Qwen2VLImageProcessor.Config.defaults().patchFeatures()).isEqualTo(1176);
    }

    @Test
    void designExamples() {
        assertThat(sr(480, 640, MIN, MAX)).isEqualTo(new HeightWidth(476, 644));
        assertThat(sr(480, 640, MIN, HUB_MAX)).isEqualTo(new HeightWidth(476, 644));
        assertThat(sr(1080, 1920, MIN, MAX)).isEqualTo(new HeightWidth(728, 1316));
        assertThat(sr(1080, 1920, MIN, HUB_MAX)).isEqualTo(new HeightWidth(1092, 1932));
        assertThat(sr(3000, 4000, MIN, MAX)).isEqualTo(new HeightWidth(840, 1148));
        assertThat(sr(3000, 4000, MIN, HUB_MAX)).isEqualTo(new HeightWidth(2996, 4004));
        // the golden cases' image
        assertThat(sr(100, 150, MIN, MAX)).isEqualTo(new HeightWidth(112, 140));
        assertThat(sr(100, 150, S_MIN, S_MAX)).isEqualTo(new HeightWidth(392, 560));
    }

    @Test
    void orientationSwapsTheResult() {
        assertThat(sr(640, 480, MIN, MAX)).isEqualTo(new HeightWidth(644, 476));
        assertThat(sr(1920, 1080, MIN, MAX)).isEqualTo(new HeightWidth(1316, 728));
        assertThat(sr(1024, 768, S_MIN, S_MAX)).isEqualTo(new HeightWidth(560, 420));
        assertThat(sr(768, 1024, S_MIN, S_MAX)).isEqualTo(new HeightWidth(420, 560));
    }

    @Test
    void roundingIsHalfToEven() {
        // 70 / 28 = 2.5 -> 2 (Math.round would give 3 -> 84); 56 * 56 = 3136 is not below min
        assertThat(sr(70, 70, MIN, MAX)).isEqualTo(new HeightWidth(56, 56));
        // 98 / 28 = 3.5 -> 4, 126 / 28 = 4.5 -> 4
        assertThat(sr(98, 126, MIN, MAX)).isEqualTo(new HeightWidth(112, 112));
        assertThat(sr(126, 98, MIN, MAX)).isEqualTo(new HeightWidth(112, 112));
        assertThat(Qwen2VLImageProcessor.roundByFactor(42, 28)).isEqualTo(56); // 1.5 -> 2
        assertThat(Qwen2VLImageProcessor.roundByFactor(70, 28)).isEqualTo(56); // 2.5 -> 2
        assertThat(Qwen2VLImageProcessor.roundByFactor(71, 28)).isEqualTo(84);
    }

    @Test
    void belowMinPixelsScalesUpWithCeil() {
        // 28 x 28 -> 784 < 3136: beta = 2, ceil(28 * 2 / 28) = 2 -> 56
        assertThat(sr(28, 28, MIN, MAX)).isEqualTo(new HeightWidth(56, 56));
        // 30 x 31 -> 28 x 28, beta = sqrt(3136 / 930): 30 * beta / 28 = 1.97 -> 2, 31 * beta / 28 = 2.03 -> 3
        assertThat(sr(30, 31, MIN, MAX)).isEqualTo(new HeightWidth(56, 84));
        assertThat(sr(70, 70, S_MIN, S_MAX)).isEqualTo(new HeightWidth(448, 448));
        // ceil may overshoot max_pixels (upstream does the same): 56 * 6356 = 355936 > 254016
        assertThat(sr(28, 5600, S_MIN, S_MAX)).isEqualTo(new HeightWidth(56, 6356));
    }

    @Test
    void aboveMaxPixelsScalesDownWithFloor() {
        assertThat(sr(100, 20000, MIN, MAX)).isEqualTo(new HeightWidth(56, 14140));
        assertThat(sr(100, 20000, S_MIN, S_MAX)).isEqualTo(new HeightWidth(28, 7112));
        // exactly at the limit stays: 504 x 504 = 254016
        assertThat(sr(504, 504, S_MIN, S_MAX)).isEqualTo(new HeightWidth(504, 504));
        assertThat(sr(512, 512, S_MIN, S_MAX)).isEqualTo(new HeightWidth(504, 504));
    }

    @Test
    void sidesBelowTheFactorAreRejected() {
        assertThatThrownBy(() -> sr(27, 100, MIN, MAX)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("height:27");
        assertThatThrownBy(() -> sr(100, 27, MIN, MAX)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("width:27");
        assertThatThrownBy(() -> Qwen2VLImageProcessor.smartResize(10, 10, 0, MIN, MAX))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(sr(28, 28, MIN, MAX).height()).isEqualTo(56);
    }

    @Test
    void extremeAspectIsRejected() {
        assertThat(sr(28, 5600, MIN, MAX)).isEqualTo(new HeightWidth(28, 5600)); // exactly 200
        assertThatThrownBy(() -> sr(28, 5601, MIN, MAX)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("aspect ratio");
        assertThatThrownBy(() -> sr(5601, 28, MIN, MAX)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("aspect ratio");
    }

    @Test
    void everyResultIsAMultipleOfTheFactorInsideTheLimitsForOrdinarySizes() {
        for (int h = 28; h <= 2000; h += 37) {
            for (int w = 28; w <= 2000; w += 41) {
                if ((double) Math.max(h, w) / Math.min(h, w) > 8) {
                    continue;
                }
                HeightWidth s = sr(h, w, S_MIN, S_MAX);
                assertThat(s.height() % 28).as("%dx%d", h, w).isZero();
                assertThat(s.width() % 28).as("%dx%d", h, w).isZero();
                assertThat(s.pixels()).as("%dx%d", h, w).isBetween(S_MIN, S_MAX);
                assertThat(sr(w, h, S_MIN, S_MAX)).isEqualTo(new HeightWidth(s.width(), s.height()));
            }
        }
    }
}
