package dev.step1x.engine.image;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.DataBufferByte;
import java.awt.image.Raster;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * An 8-bit RGB image, the equivalent of a Pillow image of mode {@code "RGB"}: {@code width x height}
 * pixels stored row-major, channels interleaved (HWC), one unsigned byte per sample. Pixel
 * {@code (x, y)} channel {@code c} is {@code data[(y * width + x) * 3 + c] & 0xFF}.
 *
 * <p>The array is owned by the image: constructors and accessors do not copy it (use {@link #copy()}),
 * so callers must not modify an array after handing it over.
 *
 * @param width columns, at least 1
 * @param height rows, at least 1
 * @param data {@code height * width * 3} bytes, HWC
 */
public record RgbImage(int width, int height, byte[] data) {

    public static final int CHANNELS = 3;

    public RgbImage {
        if (width < 1 || height < 1) {
            throw new IllegalArgumentException("image size must be at least 1x1, got " + width + "x" + height);
        }
        if (data == null) {
            throw new IllegalArgumentException("image data is null");
        }
        long expected = (long) width * height * CHANNELS;
        if (data.length != expected) {
            throw new IllegalArgumentException("image data has " + data.length + " bytes, expected " + expected
                    + " for " + width + "x" + height + "x3");
        }
    }

    /** A black image. */
    public static RgbImage blank(int width, int height) {
        long n = (long) width * height * CHANNELS;
        if (width < 1 || height < 1 || n > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("unsupported image size " + width + "x" + height);
        }
        return new RgbImage(width, height, new byte[(int) n]);
    }

    /** Sample {@code c} (0 = R, 1 = G, 2 = B) of pixel {@code (x, y)}, 0..255. */
    public int get(int x, int y, int c) {
        if (x < 0 || x >= width || y < 0 || y >= height || c < 0 || c >= CHANNELS) {
            throw new IndexOutOfBoundsException("(" + x + ", " + y + ", " + c + ") outside " + width + "x" + height + "x3");
        }
        return data[(y * width + x) * CHANNELS + c] & 0xFF;
    }

    /** Bytes per row, {@code width * 3}. */
    public int rowStride() {
        return width * CHANNELS;
    }

    /** A deep copy. */
    public RgbImage copy() {
        return new RgbImage(width, height, data.clone());
    }

    // ---------------------------------------------------------------- AWT / files

    /**
     * Decodes a PNG, JPEG or WebP file through {@link ImageFiles#decode(byte[], long)}, the engine's one
     * decoding path (format from the magic bytes, truncated files refused, ICC profiles applied, EXIF
     * orientation applied), with no pixel limit beyond what an {@code RgbImage} can hold.
     *
     * @throws ImageFiles.ImageRejectedException when the file is not an image the engine accepts; the message
     *     starts with the path
     */
    public static RgbImage read(Path file) throws IOException {
        return ImageFiles.read(file, ImageFiles.MAX_RGB_PIXELS);
    }

    /** Writes a PNG (lossless). */
    public void writePng(Path file) throws IOException {
        Files.write(file, ImageFiles.encode(this, ImageFiles.Format.PNG, 0));
    }

    /**
     * Converts like Pillow's {@code convert("RGB")}: alpha is dropped (not composited onto a background: the
     * colour stored under a transparent pixel is kept), grey is replicated to R = G = B, palettes are expanded,
     * and the colour profile of the image's colour model is ignored (samples are taken as they are; decoding
     * through {@link ImageFiles} applies embedded profiles). Images with a component colour model (RGB or grey,
     * 8 or 16 bits, with or without alpha) are read sample by sample; 16-bit samples keep their high byte, as
     * Pillow does for 16-bit RGB PNGs. For 16-bit grey this deliberately differs from Pillow, whose
     * {@code "I;16"} to {@code "RGB"} conversion clips every value above 255 to white. AWT's {@code getRGB}
     * would pass profiles and grey (a linear-gamma colour space) through a colour conversion, so it is only
     * used for everything else (palettes, packed ints), where it is exact. JPEG decoding itself is not
     * promised to equal libjpeg's byte for byte.
     */
    public static RgbImage fromBufferedImage(BufferedImage img) {
        int w = img.getWidth();
        int h = img.getHeight();
        RgbImage out = blank(w, h);
        byte[] d = out.data;
        ColorModel cm = img.getColorModel();
        Raster raster = img.getRaster();
        int bands = raster.getNumBands();
        boolean component = cm instanceof ComponentColorModel && !cm.isAlphaPremultiplied();
        boolean component8 = component && raster.getTransferType() == DataBuffer.TYPE_BYTE
                && Arrays.stream(cm.getComponentSize()).allMatch(b -> b == 8);
        boolean component16 = component && raster.getTransferType() == DataBuffer.TYPE_USHORT
                && Arrays.stream(cm.getComponentSize()).allMatch(b -> b == 16);
        int csType = cm.getColorSpace().getType();
        if ((component8 || component16) && csType == ColorSpace.TYPE_RGB && bands >= 3) {
            int shift = component16 ? 8 : 0;
            int[] row = new int[w * bands];
            for (int y = 0; y < h; y++) {
                raster.getPixels(0, y, w, 1, row);
                int o = y * w * CHANNELS;
                for (int x = 0; x < w; x++) {
                    int s = x * bands;
                    d[o++] = (byte) (row[s] >> shift);
                    d[o++] = (byte) (row[s + 1] >> shift);
                    d[o++] = (byte) (row[s + 2] >> shift);
                }
            }
        } else if ((component8 || component16) && csType == ColorSpace.TYPE_GRAY && bands <= 2) {
            int shift = component16 ? 8 : 0;
            int[] row = new int[w * bands];
            for (int y = 0; y < h; y++) {
                raster.getPixels(0, y, w, 1, row);
                int o = y * w * CHANNELS;
                for (int x = 0; x < w; x++) {
                    byte v = (byte) (row[x * bands] >> shift);
                    d[o++] = v;
                    d[o++] = v;
                    d[o++] = v;
                }
            }
        } else {
            int[] row = new int[w];
            for (int y = 0; y < h; y++) {
                img.getRGB(0, y, w, 1, row, 0, w);
                int o = y * w * CHANNELS;
                for (int x = 0; x < w; x++) {
                    int argb = row[x];
                    d[o++] = (byte) (argb >>> 16);
                    d[o++] = (byte) (argb >>> 8);
                    d[o++] = (byte) argb;
                }
            }
        }
        return out;
    }

    /** A {@code TYPE_3BYTE_BGR} copy of this image. */
    public BufferedImage toBufferedImage() {
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_3BYTE_BGR);
        byte[] bgr = ((DataBufferByte) img.getRaster().getDataBuffer()).getData();
        for (int i = 0; i < data.length; i += CHANNELS) {
            bgr[i] = data[i + 2];
            bgr[i + 1] = data[i + 1];
            bgr[i + 2] = data[i];
        }
        return img;
    }

    // ---------------------------------------------------------------- NDArray

    /** From a [H, W, 3] array of UINT8 (or an integer type holding 0..255). */
    public static RgbImage fromHwc(NDArray hwc) {
        Shape s = hwc.getShape();
        if (s.dimension() != 3 || s.get(2) != CHANNELS) {
            throw new IllegalArgumentException("expected an [H, W, 3] image, got " + s);
        }
        return new RgbImage(dim(s.get(1)), dim(s.get(0)), bytesOf(hwc));
    }

    /** From a [3, H, W] (or [1, 3, H, W]) array of UINT8 (or an integer type holding 0..255). */
    public static RgbImage fromChw(NDArray chw) {
        Shape s = chw.getShape();
        if (s.dimension() == 4 && s.get(0) == 1) {
            s = s.slice(1);
        }
        if (s.dimension() != 3 || s.get(0) != CHANNELS) {
            throw new IllegalArgumentException("expected a [3, H, W] image, got " + chw.getShape());
        }
        int h = dim(s.get(1));
        int w = dim(s.get(2));
        byte[] planar = bytesOf(chw);
        RgbImage out = blank(w, h);
        int plane = w * h;
        for (int c = 0; c < CHANNELS; c++) {
            for (int i = 0; i < plane; i++) {
                out.data[i * CHANNELS + c] = planar[c * plane + i];
            }
        }
        return out;
    }

    /** A UINT8 [H, W, 3] array on {@code manager}. */
    public NDArray toHwc(NDManager manager) {
        return manager.create(ByteBuffer.wrap(data), new Shape(height, width, CHANNELS), DataType.UINT8);
    }

    /** A UINT8 [3, H, W] array on {@code manager}. */
    public NDArray toChw(NDManager manager) {
        return manager.create(ByteBuffer.wrap(toChwBytes()), new Shape(CHANNELS, height, width), DataType.UINT8);
    }

    /** The samples as planar CHW bytes. */
    public byte[] toChwBytes() {
        int plane = width * height;
        byte[] out = new byte[data.length];
        for (int c = 0; c < CHANNELS; c++) {
            for (int i = 0; i < plane; i++) {
                out[c * plane + i] = data[i * CHANNELS + c];
            }
        }
        return out;
    }

    private static int dim(long v) {
        if (v < 1 || v > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("unsupported image dimension " + v);
        }
        return (int) v;
    }

    private static byte[] bytesOf(NDArray a) {
        DataType t = a.getDataType();
        if (t == DataType.UINT8) {
            return a.toByteArray();
        }
        if (t != DataType.INT8 && t != DataType.INT32 && t != DataType.INT64) {
            throw new IllegalArgumentException("expected an integer image (UINT8), got " + t);
        }
        long[] v;
        try (NDArray wide = a.toType(DataType.INT64, true)) {
            v = wide.toLongArray();
        }
        byte[] out = new byte[v.length];
        for (int i = 0; i < v.length; i++) {
            if (v[i] < 0 || v[i] > 255) {
                throw new IllegalArgumentException("image value " + v[i] + " at flat index " + i + " is outside 0..255");
            }
            out[i] = (byte) v[i];
        }
        return out;
    }

    // ---------------------------------------------------------------- record plumbing

    @Override
    public boolean equals(Object o) {
        return o instanceof RgbImage r && r.width == width && r.height == height && Arrays.equals(r.data, data);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * width + height) + Arrays.hashCode(data);
    }

    @Override
    public String toString() {
        return "RgbImage[" + width + "x" + height + "]";
    }
}
