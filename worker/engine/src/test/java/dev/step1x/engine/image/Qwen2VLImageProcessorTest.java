package dev.step1x.engine.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.step1x.engine.image.PillowResize.Filter;
import dev.step1x.engine.image.Qwen2VLImageProcessor.Config;
import dev.step1x.engine.image.Qwen2VLImageProcessor.HeightWidth;
import dev.step1x.engine.image.Qwen2VLImageProcessor.Result;
import dev.step1x.engine.mllm.qwen25vl.Qwen25VLConfig;
import dev.step1x.engine.runtime.EngineRuntime;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The processor on synthetic images of several sizes and both orientations. */
class Qwen2VLImageProcessorTest {

    private static final double[] MEAN = {0.48145466, 0.4578275, 0.40821073};
    private static final double[] STD = {0.26862954, 0.26130258, 0.27577711};

    static EngineRuntime runtime;
    NDManager manager;

    @BeforeAll
    static void start() {
        runtime = EngineRuntime.startDefault();
    }

    @BeforeEach
    void open() {
        manager = runtime.newManager();
    }

    @AfterEach
    void close() {
        manager.close();
    }

    static RgbImage random(int width, int height, long seed) {
        byte[] d = new byte[width * height * 3];
        new Random(seed).nextBytes(d);
        return new RgbImage(width, height, d);
    }

    /** The normalized value written out independently of the processor's lookup table. */
    static float expectedValue(int sample, int c) {
        double rescaled = sample * (1.0 / 255);
        return ((float) rescaled - (float) MEAN[c]) / (float) STD[c];
    }

    /** Checks every pixel_values entry against the resized image by decomposing row and column indices. */
    static void assertLayout(Result r, int p, int t, int m) {
        RgbImage img = r.resized();
        long[] grid = r.gridThw();
        int gh = (int) grid[1];
        int gw = (int) grid[2];
        int cols = 3 * t * p * p;
        float[] pv = r.pixelValues().toFloatArray();
        assertThat(pv).hasSize(gh * gw * cols);
        for (int row = 0; row < gh * gw; row++) {
            int mw = row % m;
            int mh = (row / m) % m;
            int block = row / (m * m);
            int bw = block % (gw / m);
            int bh = block / (gw / m);
            for (int k = 0; k < cols; k++) {
                int px = k % p;
                int py = (k / p) % p;
                int c = k / (t * p * p);
                int y = (bh * m + mh) * p + py;
                int x = (bw * m + mw) * p + px;
                float want = expectedValue(img.get(x, y, c), c);
                if (pv[row * cols + k] != want) {
                    throw new AssertionError("pixel_values[" + row + "][" + k + "] = " + pv[row * cols + k] + ", want " + want);
                }
            }
        }
    }

    @Test
    void normalizedMatchesTheRescaleThenNormalizeFormulaForEverySample() {
        float[][] lut = Qwen2VLImageProcessor.defaults().normalizationTable();
        for (int c = 0; c < 3; c++) {
            for (int v = 0; v < 256; v++) {
                assertThat(lut[c][v]).isEqualTo(expectedValue(v, c));
            }
        }
    }

    @Test
    void anAlreadyAlignedImageIsNotResizedAndIsLaidOutPatchByPatch() {
        RgbImage img = random(84, 56, 1); // 56 high, 84 wide: multiples of 28, 4704 px within the defaults
        Result r = Qwen2VLImageProcessor.defaults().preprocess(manager, img);
        assertThat(r.resizedSize()).isEqualTo(new HeightWidth(56, 84));
        assertThat(r.resized()).isEqualTo(img);
        assertThat(r.gridThw()).containsExactly(1, 4, 6);
        assertThat(r.pixelValues().getShape()).isEqualTo(new Shape(24, 1176));
        assertThat(r.pixelValues().getDataType()).isEqualTo(DataType.FLOAT32);
        assertThat(r.normalized().getShape()).isEqualTo(new Shape(3, 56, 84));
        assertLayout(r, 14, 2, 2);
        // row 1 is the patch right of row 0 (same merge window); row 2 the one below row 0
        float[] pv = r.pixelValues().toFloatArray();
        assertThat(pv[1176]).isEqualTo(expectedValue(img.get(14, 0, 0), 0));
        assertThat(pv[2 * 1176]).isEqualTo(expectedValue(img.get(0, 14, 0), 0));
        // row 4 starts the second merge window, 28 px to the right
        assertThat(pv[4 * 1176]).isEqualTo(expectedValue(img.get(28, 0, 0), 0));
        // the two frames are equal: columns 0..195 (c 0, t 0) == 196..391 (c 0, t 1)
        for (int k = 0; k < 196; k++) {
            assertThat(pv[k]).isEqualTo(pv[196 + k]);
        }
        // normalized is CHW
        float[] n = r.normalized().toFloatArray();
        assertThat(n[2 * 56 * 84 + 10 * 84 + 20]).isEqualTo(expectedValue(img.get(20, 10, 2), 2));
    }

    @Test
    void portraitAndLandscapeGiveConsistentGrids() {
        Qwen2VLImageProcessor p = Qwen2VLImageProcessor.defaults();
        Result portrait = p.preprocess(manager, random(170, 300, 2)); // 300 high, 170 wide
        Result landscape = p.preprocess(manager, random(300, 170, 3));
        assertThat(portrait.resizedSize()).isEqualTo(new HeightWidth(308, 168));
        assertThat(landscape.resizedSize()).isEqualTo(new HeightWidth(168, 308));
        assertThat(portrait.gridThw()).containsExactly(1, 22, 12);
        assertThat(landscape.gridThw()).containsExactly(1, 12, 22);
        for (Result r : new Result[] {portrait, landscape}) {
            HeightWidth s = r.resizedSize();
            assertThat(r.resized().height()).isEqualTo(s.height());
            assertThat(r.resized().width()).isEqualTo(s.width());
            assertThat(r.pixelValues().getShape()).isEqualTo(new Shape(264, 1176));
            assertThat(r.normalized().getShape()).isEqualTo(new Shape(3, s.height(), s.width()));
            assertThat(r.numPatches()).isEqualTo(264);
            assertThat(p.numImageTokens(r.gridThw())).isEqualTo(66);
            assertThat(r.imageGridThw(manager).toLongArray()).containsExactly(r.gridThw());
            assertThat(r.imageGridThw(manager).getShape()).isEqualTo(new Shape(1, 3));
            assertLayout(r, 14, 2, 2);
        }
        // the resize is Pillow BICUBIC
        RgbImage src = random(170, 300, 2);
        assertThat(p.resize(src)).isEqualTo(PillowResize.resize(src, 168, 308, Filter.BICUBIC));
    }

    @Test
    void step1xLimitsGive256To324Tokens() {
        Qwen2VLImageProcessor p = Qwen2VLImageProcessor.step1x();
        int[][] sizes = {{100, 150}, {150, 100}, {512, 512}, {768, 1024}, {1024, 768}, {624, 416}};
        for (int[] wh : sizes) {
            HeightWidth s = p.targetSize(wh[1], wh[0]);
            long tokens = p.numImageTokens(p.gridThw(s));
            assertThat(tokens).as("%dx%d", wh[0], wh[1]).isBetween(256L, 324L);
        }
        Result r = p.preprocess(manager, random(150, 100, 4));
        assertThat(r.resizedSize()).isEqualTo(new HeightWidth(392, 560));
        assertThat(r.gridThw()).containsExactly(1, 28, 40);
        assertThat(r.pixelValues().getShape()).isEqualTo(new Shape(1120, 1176));
        assertThat(p.numImageTokens(r.gridThw())).isEqualTo(280);
        assertLayout(r, 14, 2, 2);
    }

    @Test
    void otherPatchGeometriesFollowTheSameLayout() {
        Config c = new Config(16, 1 << 20, 4, 3, 2, MEAN, STD, 1.0 / 255);
        Qwen2VLImageProcessor p = new Qwen2VLImageProcessor(c);
        Result r = p.preprocess(manager, random(24, 16, 5)); // factor 8: 16 x 24 unchanged
        assertThat(r.resizedSize()).isEqualTo(new HeightWidth(16, 24));
        assertThat(r.gridThw()).containsExactly(1, 4, 6);
        assertThat(r.pixelValues().getShape()).isEqualTo(new Shape(24, 3 * 3 * 4 * 4));
        assertLayout(r, 4, 3, 2);
    }

    @Test
    void configFactoriesAndValidation() {
        assertThat(Config.step1x().minPixels()).isEqualTo(200704);
        assertThat(Config.step1x().maxPixels()).isEqualTo(254016);
        assertThat(Config.step1x().withPixels(3136, 1003520)).isEqualTo(Config.defaults());
        assertThat(Config.defaults().imageMean()).containsExactly(MEAN);
        assertThat(Config.defaults().imageStd()).containsExactly(STD);
        assertThat(Config.defaults().rescaleFactor()).isEqualTo(1.0 / 255);
        Qwen25VLConfig.VisionConfig v = Qwen25VLConfig.qwen25Vl7BInstruct().visionConfig();
        assertThat(Config.forVision(v, Qwen2VLImageProcessor.STEP1X_MIN_PIXELS,
                Qwen2VLImageProcessor.STEP1X_MAX_PIXELS)).isEqualTo(Config.step1x());
        assertThatThrownBy(() -> Config.defaults().withPixels(10, 5)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Config(1, 2, 14, 2, 2, new double[2], STD, 1.0 / 255))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Qwen2VLImageProcessor.defaults().preprocess(manager, random(20, 100, 6)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("width:20");
        assertThatThrownBy(() -> Qwen2VLImageProcessor.defaults().flattenPatches(new float[3 * 30 * 28], 30, 28))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
