package dev.step1x.engine.image;

import dev.step1x.engine.image.PillowResize.Filter;
import dev.step1x.engine.image.Qwen2VLImageProcessor.HeightWidth;

/**
 * The image half of {@code qwen_vl_utils} 0.0.10 ({@code process_vision_info} → {@code fetch_image}),
 * which Step1X-Edit runs on the reference image BEFORE the processor
 * ({@code parity/qwen25vl/README.md}, "Step1X-Edit details outside these cases"):
 * {@code convert("RGB")}, this module's own {@link #smartResize} (factor 28, min 4*28*28, max
 * 16384*28*28), then {@code image.resize((w', h'))} with PIL's default filter for RGB, BICUBIC.
 * The processor ({@link Qwen2VLImageProcessor#step1x()}) then applies its own smart_resize and resize.
 *
 * <p>Takes an opaque {@link RgbImage}: the RGB conversion (and any alpha handling) happens when the
 * image is decoded.
 */
public final class QwenVlUtils {

    /** {@code IMAGE_FACTOR}. */
    public static final int IMAGE_FACTOR = 28;
    /** {@code MIN_PIXELS = 4 * 28 * 28}. */
    public static final long MIN_PIXELS = 4L * 28 * 28;
    /** {@code MAX_PIXELS = 16384 * 28 * 28}. */
    public static final long MAX_PIXELS = 16384L * 28 * 28;
    /** {@code MAX_RATIO}. */
    public static final double MAX_RATIO = 200;

    private QwenVlUtils() {}

    /** {@link #smartResize(int, int, int, long, long)} with the module defaults (28, 3136, 12845056). */
    public static HeightWidth smartResize(int height, int width) {
        return smartResize(height, width, IMAGE_FACTOR, MIN_PIXELS, MAX_PIXELS);
    }

    /**
     * qwen-vl-utils' {@code smart_resize}: like transformers' ({@link Qwen2VLImageProcessor#smartResize})
     * except that sides below {@code factor} are not an error: each rounded side is clamped to at least
     * {@code factor} ({@code h' = max(factor, round(H / factor) * factor)}, half to even), then the same
     * max/min pixel scaling from the ORIGINAL sides.
     *
     * @throws IllegalArgumentException when {@code max(H, W) / min(H, W) > 200}, for a side below 1, or
     *     when the scaling leaves a side at 0 (PIL's resize would reject it)
     */
    public static HeightWidth smartResize(int height, int width, int factor, long minPixels, long maxPixels) {
        if (height < 1 || width < 1) {
            throw new IllegalArgumentException("image size must be at least 1x1, got " + height + "x" + width + " (h x w)");
        }
        if (factor < 1) {
            throw new IllegalArgumentException("factor must be positive, got " + factor);
        }
        double ratio = (double) Math.max(height, width) / Math.min(height, width);
        if (ratio > MAX_RATIO) {
            throw new IllegalArgumentException("absolute aspect ratio must be smaller than 200, got " + ratio);
        }
        long hBar = Math.max(factor, Qwen2VLImageProcessor.roundByFactor(height, factor));
        long wBar = Math.max(factor, Qwen2VLImageProcessor.roundByFactor(width, factor));
        HeightWidth size = Qwen2VLImageProcessor.scaleToLimits(height, width, hBar, wBar, factor, minPixels, maxPixels);
        if (size.height() < 1 || size.width() < 1) {
            throw new IllegalArgumentException("smart_resize of " + height + "x" + width + " (h x w) gives "
                    + size.height() + "x" + size.width() + " under max_pixels " + maxPixels);
        }
        return size;
    }

    /** {@code fetch_image} with the default limits: smart_resize(28, 3136, 12845056), then BICUBIC. */
    public static RgbImage fetchImage(RgbImage image) {
        return fetchImage(image, MIN_PIXELS, MAX_PIXELS);
    }

    /**
     * {@code fetch_image} with a message's {@code min_pixels}/{@code max_pixels}: the Pillow BICUBIC
     * resize to {@link #smartResize(int, int, int, long, long) smartResize}{@code (H, W, 28, min, max)}
     * (a copy when the size is unchanged).
     */
    public static RgbImage fetchImage(RgbImage image, long minPixels, long maxPixels) {
        if (image == null) {
            throw new IllegalArgumentException("image is null");
        }
        HeightWidth size = smartResize(image.height(), image.width(), IMAGE_FACTOR, minPixels, maxPixels);
        return PillowResize.resize(image, size.width(), size.height(), Filter.BICUBIC);
    }
}
