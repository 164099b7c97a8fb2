package dev.step1x.engine.image;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.step1x.engine.image.PillowResize.Filter;
import dev.step1x.engine.mllm.qwen25vl.Qwen25VLConfig;
import java.util.Arrays;

/**
 * The image side of transformers' slow (PIL) {@code Qwen2VLImageProcessor}, which Qwen2.5-VL reuses
 * (docs/model.md, "Image for Qwen"), for a single image:
 * <ol>
 *   <li>target size {@code (h', w') = smartResize(H, W, patch * merge, minPixels, maxPixels)};</li>
 *   <li>Pillow 8-bit BICUBIC resize to {@code w' x h'} ({@link PillowResize}; a copy when the size is unchanged);</li>
 *   <li>rescale {@code float32(float64(u8) * rescaleFactor)};</li>
 *   <li>normalize {@code (x - float32(mean[c])) / float32(std[c])} in float32 arithmetic;</li>
 *   <li>the single frame repeated to {@code temporalPatchSize} frames;</li>
 *   <li>flattened to {@code [grid_t * grid_h * grid_w, C * T * P * P]}: the upstream
 *       {@code reshape(gt, T, C, gh/m, m, P, gw/m, m, P).transpose(0, 3, 6, 4, 7, 2, 1, 5, 8)}, i.e. rows
 *       run over the {@code m x m} merge windows in raster order and, inside a window, over its patches
 *       row by row; each row is one patch in (channel, frame, y, x) order.</li>
 * </ol>
 * The input is an opaque 8-bit RGB image (upstream's {@code convert("RGB")} has already happened).
 */
public final class Qwen2VLImageProcessor {

    /** OpenAI CLIP mean, as the processor's {@code image_mean}. */
    private static final double[] OPENAI_CLIP_MEAN = {0.48145466, 0.4578275, 0.40821073};
    /** OpenAI CLIP std, as the processor's {@code image_std}. */
    private static final double[] OPENAI_CLIP_STD = {0.26862954, 0.26130258, 0.27577711};

    /** Class default {@code min_pixels}: 56 * 56. */
    public static final long DEFAULT_MIN_PIXELS = 56L * 56;
    /** Class default {@code max_pixels}: 28 * 28 * 1280. */
    public static final long DEFAULT_MAX_PIXELS = 28L * 28 * 1280;
    /** Step1X-Edit's {@code AutoProcessor.from_pretrained(..., min_pixels=256*28*28)}. */
    public static final long STEP1X_MIN_PIXELS = 256L * 28 * 28;
    /** Step1X-Edit's {@code max_pixels=324*28*28}. */
    public static final long STEP1X_MAX_PIXELS = 324L * 28 * 28;
    /** Upstream limit on {@code max(h, w) / min(h, w)}. */
    public static final double MAX_ASPECT_RATIO = 200;

    /**
     * The processor settings.
     *
     * @param minPixels lower bound on {@code h' * w'}
     * @param maxPixels upper bound on {@code h' * w'}
     * @param patchSize spatial patch side, 14
     * @param temporalPatchSize frames per patch, 2
     * @param mergeSize spatial merge window side, 2
     * @param imageMean per-channel mean (three values, given as Python floats; used as float32)
     * @param imageStd per-channel std (three values; used as float32)
     * @param rescaleFactor multiplier applied to the 8-bit samples in float64, 1/255
     */
    public record Config(long minPixels, long maxPixels, int patchSize, int temporalPatchSize, int mergeSize,
            double[] imageMean, double[] imageStd, double rescaleFactor) {

        public Config {
            if (minPixels < 1 || maxPixels < minPixels) {
                throw new IllegalArgumentException("need 1 <= min_pixels <= max_pixels, got " + minPixels + " / " + maxPixels);
            }
            if (patchSize < 1 || temporalPatchSize < 1 || mergeSize < 1) {
                throw new IllegalArgumentException("patch_size, temporal_patch_size and merge_size must be positive, got "
                        + patchSize + ", " + temporalPatchSize + ", " + mergeSize);
            }
            if (imageMean == null || imageStd == null || imageMean.length != RgbImage.CHANNELS
                    || imageStd.length != RgbImage.CHANNELS) {
                throw new IllegalArgumentException("image_mean and image_std need three values each");
            }
            imageMean = imageMean.clone();
            imageStd = imageStd.clone();
            if (!(rescaleFactor > 0)) {
                throw new IllegalArgumentException("rescale_factor must be positive, got " + rescaleFactor);
            }
        }

        /** {@code Qwen2VLImageProcessor()}: min 56*56, max 28*28*1280, patch 14, temporal 2, merge 2, CLIP mean/std, 1/255. */
        public static Config defaults() {
            return new Config(DEFAULT_MIN_PIXELS, DEFAULT_MAX_PIXELS, 14, 2, 2, OPENAI_CLIP_MEAN, OPENAI_CLIP_STD, 1.0 / 255);
        }

        /** Step1X-Edit's processor: the defaults with min 256*28*28 and max 324*28*28 (256..324 image tokens). */
        public static Config step1x() {
            return defaults().withPixels(STEP1X_MIN_PIXELS, STEP1X_MAX_PIXELS);
        }

        /** The defaults with the vision tower's patch, temporal patch and merge sizes and the given limits. */
        public static Config forVision(Qwen25VLConfig.VisionConfig vision, long minPixels, long maxPixels) {
            if (vision.inChans() != RgbImage.CHANNELS) {
                throw new IllegalArgumentException("the processor makes 3-channel patches, vision config has in_chans "
                        + vision.inChans());
            }
            return new Config(minPixels, maxPixels, vision.patchSize(), vision.temporalPatchSize(),
                    vision.spatialMergeSize(), OPENAI_CLIP_MEAN, OPENAI_CLIP_STD, 1.0 / 255);
        }

        /** A copy with other pixel limits. */
        public Config withPixels(long min, long max) {
            return new Config(min, max, patchSize, temporalPatchSize, mergeSize, imageMean, imageStd, rescaleFactor);
        }

        /** The size factor of smart_resize, {@code patch_size * merge_size} (28). */
        public int factor() {
            return patchSize * mergeSize;
        }

        /** Columns of {@code pixel_values}: {@code 3 * temporal_patch_size * patch_size^2} (1176). */
        public int patchFeatures() {
            return RgbImage.CHANNELS * temporalPatchSize * patchSize * patchSize;
        }

        @Override
        public double[] imageMean() {
            return imageMean.clone();
        }

        @Override
        public double[] imageStd() {
            return imageStd.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Config c && c.minPixels == minPixels && c.maxPixels == maxPixels
                    && c.patchSize == patchSize && c.temporalPatchSize == temporalPatchSize && c.mergeSize == mergeSize
                    && Arrays.equals(c.imageMean, imageMean) && Arrays.equals(c.imageStd, imageStd)
                    && Double.compare(c.rescaleFactor, rescaleFactor) == 0;
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(new long[] {minPixels, maxPixels, patchSize, temporalPatchSize, mergeSize,
                    Arrays.hashCode(imageMean), Arrays.hashCode(imageStd), Double.hashCode(rescaleFactor)});
        }

        @Override
        public String toString() {
            return "Config[minPixels=" + minPixels + ", maxPixels=" + maxPixels + ", patchSize=" + patchSize
                    + ", temporalPatchSize=" + temporalPatchSize + ", mergeSize=" + mergeSize + ", imageMean="
                    + Arrays.toString(imageMean) + ", imageStd=" + Arrays.toString(imageStd) + ", rescaleFactor="
                    + rescaleFactor + "]";
        }
    }

    /** A size in the upstream order, height first. */
    public record HeightWidth(int height, int width) {
        public long pixels() {
            return (long) height * width;
        }
    }

    /**
     * The processed image.
     *
     * @param resizedSize {@code (h', w')}
     * @param resized the resized 8-bit image, {@code w' x h'}
     * @param normalized FLOAT32 {@code [3, h', w']} after rescale and normalize (one frame)
     * @param pixelValues FLOAT32 {@code [grid_t * grid_h * grid_w, 3 * T * P * P]}
     * @param gridThw {@code {grid_t, grid_h, grid_w}} (one row of {@code image_grid_thw})
     */
    public record Result(HeightWidth resizedSize, RgbImage resized, NDArray normalized, NDArray pixelValues,
            long[] gridThw) {

        public Result {
            if (gridThw == null || gridThw.length != 3) {
                throw new IllegalArgumentException("gridThw needs three values");
            }
            gridThw = gridThw.clone();
        }

        /** A copy of {@code {grid_t, grid_h, grid_w}}. */
        @Override
        public long[] gridThw() {
            return gridThw.clone();
        }

        /** Patches, {@code grid_t * grid_h * grid_w} (rows of {@code pixel_values}). */
        public long numPatches() {
            return gridThw[0] * gridThw[1] * gridThw[2];
        }

        /** {@code gridThw} as the INT64 {@code [1, 3]} {@code image_grid_thw} tensor. */
        public NDArray imageGridThw(NDManager manager) {
            return manager.create(gridThw.clone(), new Shape(1, 3));
        }
    }

    private final Config config;

    public Qwen2VLImageProcessor(Config config) {
        if (config == null) {
            throw new IllegalArgumentException("config is null");
        }
        this.config = config;
    }

    /** The processor with the class defaults. */
    public static Qwen2VLImageProcessor defaults() {
        return new Qwen2VLImageProcessor(Config.defaults());
    }

    /** The processor as Step1X-Edit builds it (pixel limits 256*28*28 .. 324*28*28). */
    public static Qwen2VLImageProcessor step1x() {
        return new Qwen2VLImageProcessor(Config.step1x());
    }

    public Config config() {
        return config;
    }

    /**
     * transformers' {@code smart_resize}, in Python doubles: {@code h' = round(H / factor) * factor}
     * (Python {@code round}, half to even), the same for {@code w'}; if {@code h' * w' > maxPixels}:
     * {@code beta = sqrt(H * W / maxPixels)}, {@code h' = floor(H / beta / factor) * factor}; else if
     * {@code h' * w' < minPixels}: {@code beta = sqrt(minPixels / (H * W))},
     * {@code h' = ceil(H * beta / factor) * factor}; the same for {@code w'}.
     *
     * @throws IllegalArgumentException when {@code height} or {@code width} is below {@code factor},
     *     when {@code max(H, W) / min(H, W) > 200}, or for a non-positive factor
     */
    public static HeightWidth smartResize(int height, int width, int factor, long minPixels, long maxPixels) {
        if (factor < 1) {
            throw new IllegalArgumentException("factor must be positive, got " + factor);
        }
        if (height < factor || width < factor) {
            throw new IllegalArgumentException("height:" + height + " or width:" + width
                    + " must be larger than factor:" + factor);
        }
        double ratio = (double) Math.max(height, width) / Math.min(height, width);
        if (ratio > MAX_ASPECT_RATIO) {
            throw new IllegalArgumentException("absolute aspect ratio must be smaller than 200, got " + ratio);
        }
        return scaleToLimits(height, width, roundByFactor(height, factor), roundByFactor(width, factor), factor,
                minPixels, maxPixels);
    }

    /** Python {@code round(number / factor) * factor}: the quotient in double, rounded half to even. */
    static long roundByFactor(long number, int factor) {
        return (long) Math.rint((double) number / factor) * factor;
    }

    /**
     * The pixel-limit branch shared by transformers' and qwen-vl-utils' smart_resize, given the
     * rounded sides {@code hBar, wBar}.
     */
    static HeightWidth scaleToLimits(long height, long width, long hBar, long wBar, int factor, long minPixels,
            long maxPixels) {
        double area = (double) (height * width);
        if (hBar * wBar > maxPixels) {
            double beta = Math.sqrt(area / maxPixels);
            hBar = (long) Math.floor(height / beta / factor) * factor;
            wBar = (long) Math.floor(width / beta / factor) * factor;
        } else if (hBar * wBar < minPixels) {
            double beta = Math.sqrt(minPixels / area);
            hBar = (long) Math.ceil(height * beta / factor) * factor;
            wBar = (long) Math.ceil(width * beta / factor) * factor;
        }
        return new HeightWidth(Math.toIntExact(hBar), Math.toIntExact(wBar));
    }

    /** {@link #smartResize} with this processor's factor and limits. */
    public HeightWidth targetSize(int height, int width) {
        return smartResize(height, width, config.factor(), config.minPixels(), config.maxPixels());
    }

    /** Step 2: the Pillow BICUBIC resize to {@link #targetSize} (a copy when the size is unchanged). */
    public RgbImage resize(RgbImage image) {
        HeightWidth size = targetSize(image.height(), image.width());
        return PillowResize.resize(image, size.width(), size.height(), Filter.BICUBIC);
    }

    /**
     * Steps 3 and 4 on an (already resized) image: planar CHW float32,
     * {@code (float32(float64(u8) * rescale) - float32(mean[c])) / float32(std[c])}.
     */
    public float[] rescaleAndNormalize(RgbImage image) {
        float[][] lut = normalizationTable();
        int plane = image.width() * image.height();
        byte[] src = image.data();
        float[] out = new float[plane * RgbImage.CHANNELS];
        for (int i = 0; i < plane; i++) {
            for (int c = 0; c < RgbImage.CHANNELS; c++) {
                out[c * plane + i] = lut[c][src[i * RgbImage.CHANNELS + c] & 0xFF];
            }
        }
        return out;
    }

    /** {@code table[c][v]}: the normalized float32 value of 8-bit sample {@code v} in channel {@code c}. */
    float[][] normalizationTable() {
        double[] mean = config.imageMean();
        double[] std = config.imageStd();
        float[][] lut = new float[RgbImage.CHANNELS][256];
        for (int c = 0; c < RgbImage.CHANNELS; c++) {
            float m = (float) mean[c];
            float s = (float) std[c];
            for (int v = 0; v < 256; v++) {
                float rescaled = (float) (v * config.rescaleFactor());
                lut[c][v] = (rescaled - m) / s;
            }
        }
        return lut;
    }

    /** {@code {grid_t, grid_h, grid_w}} of one image resized to {@code size}: {@code {1, h'/P, w'/P}}. */
    public long[] gridThw(HeightWidth size) {
        checkDivisible(size);
        return new long[] {1, size.height() / config.patchSize(), size.width() / config.patchSize()};
    }

    /** Image placeholder tokens after merging: {@code grid_t * grid_h * grid_w / merge^2}. */
    public long numImageTokens(long[] gridThw) {
        return gridThw[0] * gridThw[1] * gridThw[2] / ((long) config.mergeSize() * config.mergeSize());
    }

    /**
     * Steps 5 and 6: one normalized frame (planar CHW, {@code height x width}, both multiples of
     * {@code patch * merge}) repeated to {@code temporal_patch_size} frames and flattened into
     * {@code pixel_values} rows. Row {@code r = ((bh * (gw/m) + bw) * m + mh) * m + mw}, column
     * {@code k = ((c * T + t) * P + py) * P + px} holds {@code chw[c][(bh*m + mh)*P + py][(bw*m + mw)*P + px]}.
     */
    public float[] flattenPatches(float[] chw, int height, int width) {
        checkDivisible(new HeightWidth(height, width));
        int plane = height * width;
        if (chw.length != plane * RgbImage.CHANNELS) {
            throw new IllegalArgumentException("expected " + plane * RgbImage.CHANNELS + " values for 3x" + height
                    + "x" + width + ", got " + chw.length);
        }
        int p = config.patchSize();
        int m = config.mergeSize();
        int frames = config.temporalPatchSize();
        int blocksH = height / (p * m);
        int blocksW = width / (p * m);
        int cols = config.patchFeatures();
        long total = (long) blocksH * blocksW * m * m * cols;
        if (total > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("image " + width + "x" + height + " gives too many patch values");
        }
        float[] out = new float[(int) total];
        int o = 0;
        for (int bh = 0; bh < blocksH; bh++) {
            for (int bw = 0; bw < blocksW; bw++) {
                for (int mh = 0; mh < m; mh++) {
                    for (int mw = 0; mw < m; mw++) {
                        int y0 = (bh * m + mh) * p;
                        int x0 = (bw * m + mw) * p;
                        for (int c = 0; c < RgbImage.CHANNELS; c++) {
                            for (int t = 0; t < frames; t++) {
                                for (int py = 0; py < p; py++) {
                                    System.arraycopy(chw, c * plane + (y0 + py) * width + x0, out, o, p);
                                    o += p;
                                }
                            }
                        }
                    }
                }
            }
        }
        return out;
    }

    /** All steps; the arrays are attached to {@code manager}. */
    public Result preprocess(NDManager manager, RgbImage image) {
        if (image == null) {
            throw new IllegalArgumentException("image is null");
        }
        HeightWidth size = targetSize(image.height(), image.width());
        RgbImage resized = PillowResize.resize(image, size.width(), size.height(), Filter.BICUBIC);
        float[] chw = rescaleAndNormalize(resized);
        float[] patches = flattenPatches(chw, size.height(), size.width());
        long[] grid = gridThw(size);
        NDArray normalized = manager.create(chw, new Shape(RgbImage.CHANNELS, size.height(), size.width()));
        NDArray pixelValues = manager.create(patches, new Shape(grid[0] * grid[1] * grid[2], config.patchFeatures()));
        return new Result(size, resized, normalized, pixelValues, grid);
    }

    private void checkDivisible(HeightWidth size) {
        int f = config.factor();
        if (size.height() < f || size.width() < f || size.height() % f != 0 || size.width() % f != 0) {
            throw new IllegalArgumentException("size " + size.height() + "x" + size.width()
                    + " (h x w) is not a positive multiple of patch * merge = " + f);
        }
    }
}
