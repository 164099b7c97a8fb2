package dev.step1x.engine.image;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.step1x.engine.ModelVersion;
import dev.step1x.engine.image.PillowResize.Filter;

/**
 * Step1X-Edit's image resizes around the model (official {@code inference.py}, v1.0 {@code 570eba6}
 * and v1.1 {@code 95feaea}; design spec section 4, steps 1, 2 and 13):
 * <ol>
 *   <li>{@link #resizeInput}: the reference image is resized to about {@code sizeLevel^2} pixels with
 *       both sides multiples of 16 ({@link #targetSize}), with Pillow BICUBIC (v1.0, PIL's default
 *       filter for RGB) or LANCZOS (v1.1);</li>
 *   <li>{@link #toTensor01}: torchvision {@code to_tensor}, {@code u8 / 255} in float32;</li>
 *   <li>{@link #resizeOutput}: the decoded image in [0, 1] goes through torchvision
 *       {@code to_pil_image} ({@link #toPilImage}: {@code (x * 255).byte()}, truncation) and is
 *       resized back to the original size with Pillow's default filter, BICUBIC (both versions).</li>
 * </ol>
 */
public final class Step1XResize {

    /** A size as PIL writes it, width first. */
    public record Size(int width, int height) {}

    private Step1XResize() {}

    /**
     * The official {@code input_process_image} size math, in Python doubles: {@code r = w / h};
     * if {@code w > h}: {@code w' = ceil(sqrt(S*S*r))}, {@code h' = ceil(w' / r)}; else
     * {@code h' = ceil(sqrt(S*S / r))}, {@code w' = ceil(h' * r)}; then {@code w' = w' // 16 * 16},
     * {@code h' = h' // 16 * 16}. ({@code S*S} is an exact integer converted to double, as Python
     * does for {@code int * float}.)
     *
     * @throws IllegalArgumentException for a size or size level below 1, or when a side would be 0
     *     (PIL would raise "height and width must be > 0") or too large
     */
    public static Size targetSize(int width, int height, int sizeLevel) {
        if (width < 1 || height < 1) {
            throw new IllegalArgumentException("image size must be at least 1x1, got " + width + "x" + height);
        }
        if (sizeLevel < 1) {
            throw new IllegalArgumentException("size_level must be at least 1, got " + sizeLevel);
        }
        double r = (double) width / height;
        double area = (double) ((long) sizeLevel * sizeLevel);
        double w;
        double h;
        if (width > height) {
            w = Math.ceil(Math.sqrt(area * r));
            h = Math.ceil(w / r);
        } else {
            h = Math.ceil(Math.sqrt(area / r));
            w = Math.ceil(h * r);
        }
        long w16 = floorTo16(w, "width", width, height, sizeLevel);
        long h16 = floorTo16(h, "height", width, height, sizeLevel);
        if ((long) w16 * h16 * RgbImage.CHANNELS > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("size_level " + sizeLevel + " gives " + w16 + "x" + h16
                    + " for a " + width + "x" + height + " image: too large");
        }
        return new Size((int) w16, (int) h16);
    }

    private static long floorTo16(double v, String what, int width, int height, int sizeLevel) {
        // v is an integral double >= 1 here (ceil of a positive value); it fits a long up to 2^63.
        if (!(v < 0x1p62)) {
            throw new IllegalArgumentException("size_level " + sizeLevel + " gives an unsupported " + what
                    + " for a " + width + "x" + height + " image");
        }
        long n = (long) v / 16 * 16;
        if (n < 1) {
            throw new IllegalArgumentException("size_level " + sizeLevel + " gives " + what + " 0 for a " + width + "x"
                    + height + " image (" + (long) v + " is below 16; PIL raises 'height and width must be > 0')");
        }
        if (n > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("size_level " + sizeLevel + " gives " + what + " " + n + " for a "
                    + width + "x" + height + " image: too large");
        }
        return n;
    }

    /** The filter of {@code input_process_image}: v1.0 BICUBIC (PIL's default), v1.1 LANCZOS. */
    public static Filter inputFilter(ModelVersion version) {
        if (version == null) {
            throw new IllegalArgumentException("model version must not be null");
        }
        return version == ModelVersion.V1_0 ? Filter.BICUBIC : Filter.LANCZOS;
    }

    /** {@code input_process_image(img, size_level)}: resize to {@link #targetSize} with {@link #inputFilter}. */
    public static RgbImage resizeInput(RgbImage image, int sizeLevel, ModelVersion version) {
        if (image == null) {
            throw new IllegalArgumentException("image must not be null");
        }
        Filter filter = inputFilter(version);
        Size s = targetSize(image.width(), image.height(), sizeLevel);
        return PillowResize.resize(image, s.width(), s.height(), filter);
    }

    /**
     * torchvision {@code to_tensor}: planar CHW float32 {@code u8 / 255f} (a float32 division; for
     * every level k, {@code (int) ((k / 255f) * 255f) == k}, so {@link #toPilImage} inverts it).
     */
    public static float[] toTensor01(RgbImage image) {
        byte[] chw = image.toChwBytes();
        float[] out = new float[chw.length];
        for (int i = 0; i < chw.length; i++) {
            out[i] = (chw[i] & 0xFF) / 255f;
        }
        return out;
    }

    /**
     * torchvision {@code to_pil_image} on a float CHW image: {@code pic.mul(255).byte()}. Exactly:
     * the float32 product {@code p = x * 255f} (one IEEE float32 multiplication, round to nearest
     * even), then truncation toward zero ({@code (int) p}); no rounding, no clamping. E.g.
     * {@code x = 0.99999994f} gives {@code p = 254.99998f} and 254.
     *
     * @param chw01 planar [3, height, width] float32 values, expected in [0, 1]
     * @throws IllegalArgumentException for NaN or a product outside (-1, 256), where torch's
     *     float-to-uint8 cast is undefined behaviour (platform-dependent wrap-around)
     */
    public static RgbImage toPilImage(float[] chw01, int width, int height) {
        if (chw01 == null) {
            throw new IllegalArgumentException("image data is null");
        }
        RgbImage out = RgbImage.blank(width, height);
        int plane = width * height;
        if (chw01.length != plane * RgbImage.CHANNELS) {
            throw new IllegalArgumentException("float image has " + chw01.length + " values, expected 3x" + height
                    + "x" + width + " = " + plane * RgbImage.CHANNELS);
        }
        byte[] d = out.data();
        for (int c = 0; c < RgbImage.CHANNELS; c++) {
            for (int i = 0; i < plane; i++) {
                float x = chw01[c * plane + i];
                float p = x * 255f;
                if (!(p > -1f && p < 256f)) {
                    throw new IllegalArgumentException("float image value " + x + " at channel " + c + ", pixel " + i
                            + " is outside [0, 1] (x * 255 = " + p + " has no defined uint8 conversion)");
                }
                d[i * RgbImage.CHANNELS + c] = (byte) (int) p;
            }
        }
        return out;
    }

    /**
     * {@code output_process_image(to_pil_image(x), (origWidth, origHeight))}: {@link #toPilImage},
     * then Pillow BICUBIC to the original size (a copy when it is already that size).
     *
     * @param chw01 planar [3, height, width] float32 in [0, 1] (the decoded image {@code x * 0.5 + 0.5})
     */
    public static RgbImage resizeOutput(float[] chw01, int width, int height, int origWidth, int origHeight) {
        return resizeOutput(toPilImage(chw01, width, height), origWidth, origHeight);
    }

    /**
     * As {@link #resizeOutput(float[], int, int, int, int)} for a FLOAT32 NDArray [3, h, w] or
     * [1, 3, h, w].
     */
    public static RgbImage resizeOutput(NDArray image01, int origWidth, int origHeight) {
        Shape s = image01.getShape();
        if (s.dimension() == 4 && s.get(0) == 1) {
            s = s.slice(1);
        }
        if (s.dimension() != 3 || s.get(0) != RgbImage.CHANNELS) {
            throw new IllegalArgumentException("expected a [3, H, W] or [1, 3, H, W] image, got " + image01.getShape());
        }
        if (image01.getDataType() != DataType.FLOAT32) {
            throw new IllegalArgumentException("expected a FLOAT32 image, got " + image01.getDataType());
        }
        if (s.get(1) > Integer.MAX_VALUE || s.get(2) > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("image too large: " + image01.getShape());
        }
        return resizeOutput(image01.toFloatArray(), (int) s.get(2), (int) s.get(1), origWidth, origHeight);
    }

    /** The back-resize of an 8-bit image: Pillow BICUBIC (PIL's default filter) to the original size. */
    public static RgbImage resizeOutput(RgbImage image, int origWidth, int origHeight) {
        return PillowResize.resize(image, origWidth, origHeight, Filter.BICUBIC);
    }
}
