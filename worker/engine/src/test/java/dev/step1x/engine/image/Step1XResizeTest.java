package dev.step1x.engine.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.step1x.engine.ModelVersion;
import dev.step1x.engine.image.PillowResize.Filter;
import dev.step1x.engine.image.Step1XResize.Size;
import org.junit.jupiter.api.Test;

class Step1XResizeTest {

    @Test
    void sizeMathOfTheReadmeExamples() {
        assertThat(Step1XResize.targetSize(100, 150, 64)).isEqualTo(new Size(48, 64));
        assertThat(Step1XResize.targetSize(100, 150, 512)).isEqualTo(new Size(416, 624));
        assertThat(Step1XResize.targetSize(100, 150, 1024)).isEqualTo(new Size(832, 1248));
        // squares take the else branch; exact sqrt: sqrt(512*512*100) = 5120
        assertThat(Step1XResize.targetSize(512, 512, 512)).isEqualTo(new Size(512, 512));
        assertThat(Step1XResize.targetSize(1000, 1000, 512)).isEqualTo(new Size(512, 512));
        assertThat(Step1XResize.targetSize(10000, 100, 512)).isEqualTo(new Size(5120, 48));
    }

    @Test
    void sizesThatWouldBeZeroAreRejected() {
        // h' = ceil(sqrt(4096 * 1000)) = 2024, w' = ceil(2.024) = 3 -> 0
        assertThatThrownBy(() -> Step1XResize.targetSize(1, 1000, 64))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("width 0");
        assertThatThrownBy(() -> Step1XResize.targetSize(1000, 1, 64))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("height 0");
        assertThatThrownBy(() -> Step1XResize.targetSize(10, 10, 15))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Step1XResize.targetSize(0, 10, 512))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("0x10");
        assertThatThrownBy(() -> Step1XResize.targetSize(10, 10, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("size_level");
        assertThatThrownBy(() -> Step1XResize.targetSize(10, 10, 1_000_000))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("too large");
        assertThatThrownBy(() -> Step1XResize.resizeInput(RgbImage.blank(4, 4), 512, null))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void inputFilterFollowsTheVersion() {
        assertThat(Step1XResize.inputFilter(ModelVersion.V1_0)).isEqualTo(Filter.BICUBIC);
        assertThat(Step1XResize.inputFilter(ModelVersion.V1_1)).isEqualTo(Filter.LANCZOS);
        RgbImage src = PillowResizeTest.random(100, 150, 5);
        RgbImage v10 = Step1XResize.resizeInput(src, 64, ModelVersion.V1_0);
        assertThat(v10).isEqualTo(PillowResize.resize(src, 48, 64, Filter.BICUBIC));
        assertThat(Step1XResize.resizeInput(src, 64, ModelVersion.V1_1)).isEqualTo(PillowResize.resize(src, 48, 64, Filter.LANCZOS));
    }

    @Test
    void toPilImageIsFloat32MultiplyThenTruncation() {
        // [3, 1, 2]: R plane, G plane, B plane
        float[] chw = {0f, 1f, 0.99999994f, 0.5f, 2f / 255f, 0.0039215684f};
        RgbImage img = Step1XResize.toPilImage(chw, 2, 1);
        assertThat(img.get(0, 0, 0)).isEqualTo(0);
        assertThat(img.get(1, 0, 0)).isEqualTo(255);
        assertThat(img.get(0, 0, 1)).isEqualTo(254); // 0.99999994f * 255f = 254.99998f
        assertThat(img.get(1, 0, 1)).isEqualTo(127); // 127.5 truncated, not rounded
        assertThat(img.get(0, 0, 2)).isEqualTo(2);
        assertThat(img.get(1, 0, 2)).isEqualTo(0); // 0.0039215684f * 255f = 0.99999994f
        assertThatThrownBy(() -> Step1XResize.toPilImage(new float[] {Float.NaN, 0, 0}, 1, 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("outside [0, 1]");
        assertThatThrownBy(() -> Step1XResize.toPilImage(new float[] {1.01f, 0, 0}, 1, 1))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Step1XResize.toPilImage(new float[5], 1, 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("expected 3x1x1");
    }

    @Test
    void toTensorRoundTripsEveryLevel() {
        RgbImage levels = RgbImage.blank(256, 1);
        for (int k = 0; k < 256; k++) {
            for (int c = 0; c < 3; c++) {
                levels.data()[k * 3 + c] = (byte) k;
            }
        }
        float[] t = Step1XResize.toTensor01(levels);
        assertThat(t[1]).isEqualTo(1f / 255f);
        assertThat(Step1XResize.toPilImage(t, 256, 1)).isEqualTo(levels);
        // the back-resize to the same size is the identity
        assertThat(Step1XResize.resizeOutput(t, 256, 1, 256, 1)).isEqualTo(levels);
    }
}
