package dev.step1x.engine.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDManager;
import dev.step1x.engine.TestPaths;
import dev.step1x.engine.image.PillowResize.Filter;
import dev.step1x.engine.image.Qwen2VLImageProcessor.HeightWidth;
import dev.step1x.engine.image.Qwen2VLImageProcessor.Result;
import dev.step1x.engine.runtime.EngineRuntime;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** qwen-vl-utils' fetch_image pre-resize, with sizes worked out by hand. */
class QwenVlUtilsTest {

    static RgbImage random(int width, int height, long seed) {
        byte[] d = new byte[width * height * 3];
        new Random(seed).nextBytes(d);
        return new RgbImage(width, height, d);
    }

    @Test
    void constants() {
        assertThat(QwenVlUtils.IMAGE_FACTOR).isEqualTo(28);
        assertThat(QwenVlUtils.MIN_PIXELS).isEqualTo(3136);
        assertThat(QwenVlUtils.MAX_PIXELS).isEqualTo(12845056);
    }

    @Test
    void sizesWorkedOutByHand() {
        // 512 / 28 = 18.29 -> 18 -> 504; 504^2 = 254016 inside [3136, 12845056]
        assertThat(QwenVlUtils.smartResize(512, 512)).isEqualTo(new HeightWidth(504, 504));
        // 100 / 28 = 3.57 -> 4 -> 112, 150 / 28 = 5.36 -> 5 -> 140
        assertThat(QwenVlUtils.smartResize(100, 150)).isEqualTo(new HeightWidth(112, 140));
        // 1024 / 28 = 36.57 -> 37 -> 1036, 768 / 28 = 27.43 -> 27 -> 756
        assertThat(QwenVlUtils.smartResize(1024, 768)).isEqualTo(new HeightWidth(1036, 756));
        assertThat(QwenVlUtils.smartResize(768, 1024)).isEqualTo(new HeightWidth(756, 1036));
        // Step1X's size_level 512 input of a 2:3 image: 416 / 28 = 14.86 -> 15, 624 / 28 = 22.29 -> 22
        assertThat(QwenVlUtils.smartResize(416, 624)).isEqualTo(new HeightWidth(420, 616));
        // design examples under max 16384*28*28
        assertThat(QwenVlUtils.smartResize(1080, 1920)).isEqualTo(new HeightWidth(1092, 1932));
        assertThat(QwenVlUtils.smartResize(3000, 4000)).isEqualTo(new HeightWidth(2996, 4004));
        // half to even: 70 / 28 = 2.5 -> 2
        assertThat(QwenVlUtils.smartResize(70, 70)).isEqualTo(new HeightWidth(56, 56));
    }

    @Test
    void smallSidesAreClampedNotRejected() {
        // 1 -> max(28, 0) = 28; 28 * 140 = 3920 >= 3136
        assertThat(QwenVlUtils.smartResize(1, 150)).isEqualTo(new HeightWidth(28, 140));
        // 10 x 10 -> 28 x 28 = 784 < 3136: beta = sqrt(3136 / 100) = 5.6, ceil(56 / 28) * 28 = 56
        assertThat(QwenVlUtils.smartResize(10, 10)).isEqualTo(new HeightWidth(56, 56));
        assertThat(QwenVlUtils.smartResize(14, 14)).isEqualTo(new HeightWidth(56, 56));
        // 20000^2 > max: beta = 20000 / 3584, floor(3584 / 28 ...) lands on 127 * 28
        assertThat(QwenVlUtils.smartResize(20000, 20000)).isEqualTo(new HeightWidth(3556, 3556));
    }

    @Test
    void errors() {
        assertThatThrownBy(() -> QwenVlUtils.smartResize(1, 201)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("aspect ratio");
        assertThat(QwenVlUtils.smartResize(1, 200)).isEqualTo(new HeightWidth(28, 196));
        assertThatThrownBy(() -> QwenVlUtils.smartResize(0, 10)).isInstanceOf(IllegalArgumentException.class);
        // a max_pixels so small that floor() reaches 0
        assertThatThrownBy(() -> QwenVlUtils.smartResize(100, 1000, 28, 1, 1000))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> QwenVlUtils.fetchImage(null)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void fetchImageIsPillowBicubicToTheSmartSize() {
        RgbImage img = random(512, 512, 7);
        RgbImage fetched = QwenVlUtils.fetchImage(img);
        assertThat(fetched.width()).isEqualTo(504);
        assertThat(fetched.height()).isEqualTo(504);
        assertThat(fetched).isEqualTo(PillowResize.resize(img, 504, 504, Filter.BICUBIC));

        RgbImage portrait = random(100, 150, 8); // 100 wide, 150 high
        RgbImage p = QwenVlUtils.fetchImage(portrait);
        assertThat(p.width()).isEqualTo(112);
        assertThat(p.height()).isEqualTo(140);
        assertThat(p).isEqualTo(PillowResize.resize(portrait, 112, 140, Filter.BICUBIC));

        // aligned sizes are left alone (a copy)
        RgbImage aligned = random(84, 56, 9);
        RgbImage same = QwenVlUtils.fetchImage(aligned);
        assertThat(same).isEqualTo(aligned);
        assertThat(same.data()).isNotSameAs(aligned.data());

        // message-level limits
        RgbImage limited = QwenVlUtils.fetchImage(img, 3136, 200704);
        assertThat(limited.width()).isEqualTo(448);
        assertThat(limited.height()).isEqualTo(448);
    }

    @Test
    void step1xChainPreResizesThenProcesses() throws Exception {
        try (NDManager manager = EngineRuntime.startDefault().newManager()) {
            Qwen2VLImageProcessor processor = Qwen2VLImageProcessor.step1x();
            // 512 x 512 -> 504 x 504 (qwen-vl-utils) -> unchanged (254016 = max) -> 18 x 18 = 324 tokens
            Result r = processor.preprocess(manager, QwenVlUtils.fetchImage(random(512, 512, 10)));
            assertThat(r.resizedSize()).isEqualTo(new HeightWidth(504, 504));
            assertThat(r.gridThw()).containsExactly(1, 36, 36);
            assertThat(processor.numImageTokens(r.gridThw())).isEqualTo(324);
            // the pre-resize changes the final size: 1024 x 768 (h x w) -> 1036 x 756 -> 588 x 420,
            // where the processor alone gives 560 x 420
            HeightWidth pre = QwenVlUtils.smartResize(1024, 768);
            assertThat(processor.targetSize(pre.height(), pre.width())).isEqualTo(new HeightWidth(588, 420));
            assertThat(processor.targetSize(1024, 768)).isEqualTo(new HeightWidth(560, 420));
            assertThat(processor.targetSize(768, 1024)).isEqualTo(new HeightWidth(420, 560));
            HeightWidth pre2 = QwenVlUtils.smartResize(416, 624);
            assertThat(processor.targetSize(pre2.height(), pre2.width())).isEqualTo(new HeightWidth(392, 588));
            // the golden image through the whole chain: 100 x 150 -> 112 x 140 -> 420 x 504 (case 1b feeds
            // the processor directly and gets 392 x 560)
            RgbImage png = RgbImage.read(TestPaths.qwen25vl("cases/image.png"));
            RgbImage fetched = QwenVlUtils.fetchImage(png);
            assertThat(fetched.width()).isEqualTo(140);
            assertThat(fetched.height()).isEqualTo(112);
            Result chain = processor.preprocess(manager, fetched);
            assertThat(chain.resizedSize()).isEqualTo(new HeightWidth(420, 504));
            assertThat(chain.gridThw()).containsExactly(1, 30, 36);
            assertThat(processor.numImageTokens(chain.gridThw())).isEqualTo(270);
        }
    }
}
