package dev.step1x.engine.image;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.step1x.engine.ModelVersion;
import dev.step1x.engine.parity.CaseData;
import dev.step1x.engine.parity.ParityComponent;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32;

/**
 * The engine side of the golden case {@code step1x/resize_step1x}: Step1X-Edit's input resize at
 * every {@code in.size_levels} entry for v1.0 (BICUBIC) and v1.1 (LANCZOS), the size table, and the
 * two output back-resizes. Outputs that the case stores as digests ({@code sha256}, {@code row_crc32},
 * {@code sample16}) are computed from the full uint8 H x W x 3 buffer the same way; full images are
 * returned where the file has them.
 */
public final class ResizeStep1xParity {

    /** The case name the component is registered under. */
    public static final String CASE = "resize_step1x";

    private ResizeStep1xParity() {}

    public static ParityComponent component() {
        return ResizeStep1xParity::run;
    }

    static Map<String, NDArray> run(NDManager manager, CaseData data) throws Exception {
        Map<String, NDArray> out = new LinkedHashMap<>();
        RgbImage source = RgbImage.fromHwc(data.tensor("in.image_u8_hwc"));
        long[] wh = data.tensor("in.size_wh").toLongArray();
        if (wh[0] != source.width() || wh[1] != source.height()) {
            throw new IllegalStateException("in.size_wh " + wh[0] + "x" + wh[1] + " differs from the image's "
                    + source.width() + "x" + source.height());
        }
        int origW = source.width();
        int origH = source.height();

        RgbImage s512v11 = null;
        for (long level : data.tensor("in.size_levels").toLongArray()) {
            int s = Math.toIntExact(level);
            String p = "out.s" + s + ".";
            Step1XResize.Size size = Step1XResize.targetSize(origW, origH, s);
            out.put(p + "wh", manager.create(new long[] {size.width(), size.height()}));
            for (ModelVersion v : ModelVersion.values()) {
                RgbImage img = Step1XResize.resizeInput(source, s, v);
                String q = p + (v == ModelVersion.V1_0 ? "v10_bicubic" : "v11_lanczos") + ".";
                putDigests(manager, data, out, q, img);
                if (s == 512 && v == ModelVersion.V1_1) {
                    s512v11 = img;
                }
            }
        }

        long[] table = data.tensor("in.wh_table").toLongArray();
        long[] sizes = new long[table.length / 3 * 2];
        for (int i = 0; i < table.length / 3; i++) {
            Step1XResize.Size size = Step1XResize.targetSize(Math.toIntExact(table[3 * i]),
                    Math.toIntExact(table[3 * i + 1]), Math.toIntExact(table[3 * i + 2]));
            sizes[2 * i] = size.width();
            sizes[2 * i + 1] = size.height();
        }
        out.put("out.wh_table", manager.create(sizes, new Shape(table.length / 3, 2)));

        RgbImage back64 = Step1XResize.resizeOutput(data.tensor("in.back_s64.image01"), origW, origH);
        out.put("out.back_s64.image_u8_hwc", back64.toHwc(manager));

        if (s512v11 == null) {
            throw new IllegalStateException("in.size_levels has no 512, needed for out.back_s512");
        }
        // load_image(PIL output) = to_tensor = u8 / 255 in float32, then the official back-resize.
        RgbImage back512 = Step1XResize.resizeOutput(Step1XResize.toTensor01(s512v11), s512v11.width(),
                s512v11.height(), origW, origH);
        out.put("out.back_s512.image_u8_hwc", back512.toHwc(manager));
        return out;
    }

    private static void putDigests(NDManager manager, CaseData data, Map<String, NDArray> out, String prefix, RgbImage img) {
        out.put(prefix + "sha256", u8(manager, sha256(img), new Shape(32)));
        out.put(prefix + "row_crc32", manager.create(rowCrc32(img)));
        RgbImage sample = subsample(img, 16);
        out.put(prefix + "sample16", sample.toHwc(manager));
        if (data.has(prefix + "image_u8_hwc")) {
            out.put(prefix + "image_u8_hwc", img.toHwc(manager));
        }
    }

    private static NDArray u8(NDManager manager, byte[] bytes, Shape shape) {
        return manager.create(ByteBuffer.wrap(bytes), shape, DataType.UINT8);
    }

    /** SHA-256 of the H x W x 3 buffer, row-major HWC. */
    public static byte[] sha256(RgbImage img) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(img.data());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 unavailable", e);
        }
    }

    /** CRC32 (zlib) of each row's {@code width * 3} bytes, unsigned. */
    public static long[] rowCrc32(RgbImage img) {
        long[] out = new long[img.height()];
        CRC32 crc = new CRC32();
        int stride = img.rowStride();
        for (int y = 0; y < img.height(); y++) {
            crc.reset();
            crc.update(img.data(), y * stride, stride);
            out[y] = crc.getValue();
        }
        return out;
    }

    /** {@code image[::stride, ::stride, :]}. */
    public static RgbImage subsample(RgbImage img, int stride) {
        if (stride < 1) {
            throw new IllegalArgumentException("stride must be at least 1, got " + stride);
        }
        int w = (img.width() + stride - 1) / stride;
        int h = (img.height() + stride - 1) / stride;
        RgbImage out = RgbImage.blank(w, h);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                System.arraycopy(img.data(), ((y * stride) * img.width() + x * stride) * 3, out.data(), (y * w + x) * 3, 3);
            }
        }
        return out;
    }
}
