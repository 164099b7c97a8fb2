package dev.step1x.engine.image;

import java.awt.color.ColorSpace;
import java.awt.color.ICC_Profile;
import java.awt.image.Raster;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Iterator;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;
import javax.imageio.stream.MemoryCacheImageOutputStream;

/** Test inputs built byte by byte: segments, chunks and headers spliced into files the JDK writes. */
final class TestImages {

    private TestImages() {}

    /** A committed fixture under {@code src/test/resources/images/} (see the README there). */
    static byte[] resource(String name) {
        try (InputStream in = TestImages.class.getResourceAsStream("/images/" + name)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource images/" + name);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** An image whose every pixel is {@code rgb}. */
    static RgbImage flat(int w, int h, int r, int g, int b) {
        byte[] d = new byte[w * h * 3];
        for (int i = 0; i < d.length; i += 3) {
            d[i] = (byte) r;
            d[i + 1] = (byte) g;
            d[i + 2] = (byte) b;
        }
        return new RgbImage(w, h, d);
    }

    /** Pseudo-random pixels. */
    static RgbImage random(int w, int h, long seed) {
        return PillowResizeTest.random(w, h, seed);
    }

    static int[] rgb(RgbImage img, int x, int y) {
        return new int[] {img.get(x, y, 0), img.get(x, y, 1), img.get(x, y, 2)};
    }

    /** Largest per-channel difference between two pixels. */
    static int distance(int[] a, int[] b) {
        return Math.max(Math.abs(a[0] - b[0]), Math.max(Math.abs(a[1] - b[1]), Math.abs(a[2] - b[2])));
    }

    // ------------------------------------------------------------------------------------------------ EXIF

    /** A TIFF structure (as in an EXIF block) whose IFD0 holds one entry, Orientation = {@code orientation}. */
    static byte[] exifTiff(int orientation, boolean littleEndian) {
        ByteBuffer b = ByteBuffer.allocate(8 + 2 + 12 + 4).order(littleEndian ? ByteOrder.LITTLE_ENDIAN : ByteOrder.BIG_ENDIAN);
        b.put((byte) (littleEndian ? 'I' : 'M')).put((byte) (littleEndian ? 'I' : 'M')).putShort((short) 42).putInt(8);
        b.putShort((short) 1);
        b.putShort((short) 0x0112).putShort((short) 3).putInt(1).putShort((short) orientation).putShort((short) 0);
        b.putInt(0);
        return b.array();
    }

    // ------------------------------------------------------------------------------------------------ JPEG

    /** {@code jpeg} with a marker segment ({@code marker} 0xE0..0xEF and so on) inserted right after SOI. */
    static byte[] withJpegSegment(byte[] jpeg, int marker, byte[] payload) {
        if (payload.length + 2 > 0xFFFF) {
            throw new IllegalArgumentException("segment too long");
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(jpeg, 0, 2);
        out.write(0xFF);
        out.write(marker);
        out.write((payload.length + 2) >> 8);
        out.write((payload.length + 2) & 0xFF);
        out.writeBytes(payload);
        out.write(jpeg, 2, jpeg.length - 2);
        return out.toByteArray();
    }

    /** An APP1 {@code Exif} segment's payload with the given orientation. */
    static byte[] exifApp1(int orientation, boolean littleEndian) {
        return concat("Exif\0\0".getBytes(StandardCharsets.ISO_8859_1), exifTiff(orientation, littleEndian));
    }

    /** An APP2 {@code ICC_PROFILE} payload holding the whole profile as chunk 1 of 1. */
    static byte[] iccApp2(byte[] profile) {
        return concat("ICC_PROFILE\0".getBytes(StandardCharsets.ISO_8859_1), new byte[] {1, 1}, profile);
    }

    /** An APP14 {@code Adobe} payload: version 100, no flags, {@code transform} (0 CMYK/RGB, 1 YCbCr, 2 YCCK). */
    static byte[] adobeApp14(int transform) {
        return concat("Adobe".getBytes(StandardCharsets.ISO_8859_1), new byte[] {0, 100, 0, 0, 0, 0, (byte) transform});
    }

    /**
     * A JPEG of the raw samples of a 4-band raster, written by the JDK's own JPEG writer with no metadata: no
     * JFIF or Adobe segment, no colour transform, every component sampled 1x1. The caller adds the Adobe
     * segment that says how to read the four components.
     */
    static byte[] rawFourChannelJpeg(Raster raster) throws IOException {
        ImageWriter writer = null;
        for (Iterator<ImageWriter> it = ImageIO.getImageWritersByFormatName("jpeg"); it.hasNext(); ) {
            ImageWriter w = it.next();
            if (w.getClass().getName().equals("com.sun.imageio.plugins.jpeg.JPEGImageWriter")) {
                writer = w;
            }
        }
        if (writer == null) {
            throw new IllegalStateException("no JDK JPEG writer");
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ImageOutputStream ios = new MemoryCacheImageOutputStream(out)) {
            writer.setOutput(ios);
            ImageWriteParam p = writer.getDefaultWriteParam();
            p.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
            p.setCompressionQuality(1f);
            writer.write(null, new IIOImage(raster, null, null), p);
        } finally {
            writer.dispose();
        }
        return out.toByteArray();
    }

    /** Offset of the first SOF0..SOF2 marker's 0xFF in a JPEG. */
    static int sofOffset(byte[] jpeg) {
        for (int i = 2; i + 1 < jpeg.length; i++) {
            int m = jpeg[i + 1] & 0xFF;
            if (jpeg[i] == (byte) 0xFF && (m == 0xC0 || m == 0xC1 || m == 0xC2)) {
                return i;
            }
        }
        throw new IllegalArgumentException("no SOF marker");
    }

    /** {@code jpeg} with its frame header declaring {@code w x h}. */
    static byte[] withJpegSize(byte[] jpeg, int w, int h) {
        byte[] out = jpeg.clone();
        int sof = sofOffset(out);
        // FF Cx, length(2), precision(1), height(2), width(2)
        ByteBuffer.wrap(out).putShort(sof + 5, (short) h).putShort(sof + 7, (short) w);
        return out;
    }

    // ------------------------------------------------------------------------------------------------ PNG

    static byte[] pngChunk(String type, byte[] data) {
        byte[] t = type.getBytes(StandardCharsets.ISO_8859_1);
        ByteBuffer b = ByteBuffer.allocate(12 + data.length);
        b.putInt(data.length).put(t).put(data);
        CRC32 crc = new CRC32();
        crc.update(t);
        crc.update(data);
        b.putInt((int) crc.getValue());
        return b.array();
    }

    /** {@code png} with a chunk inserted right after IHDR (byte 33). */
    static byte[] withPngChunk(byte[] png, String type, byte[] data) {
        return concat(Arrays.copyOf(png, 33), pngChunk(type, data), Arrays.copyOfRange(png, 33, png.length));
    }

    /** An {@code iCCP} chunk's data: name, NUL, method 0, zlib-compressed profile. */
    static byte[] iccpData(byte[] profile) {
        Deflater d = new Deflater();
        d.setInput(profile);
        d.finish();
        ByteArrayOutputStream z = new ByteArrayOutputStream();
        byte[] buf = new byte[4096];
        while (!d.finished()) {
            z.write(buf, 0, d.deflate(buf));
        }
        d.end();
        return concat("test profile\0\0".getBytes(StandardCharsets.ISO_8859_1), z.toByteArray());
    }

    /** {@code png} with IHDR declaring {@code w x h} (and its CRC fixed). */
    static byte[] withPngSize(byte[] png, int w, int h) {
        byte[] out = png.clone();
        ByteBuffer b = ByteBuffer.wrap(out);
        b.putInt(16, w).putInt(20, h);
        CRC32 crc = new CRC32();
        crc.update(out, 12, 17);
        b.putInt(29, (int) crc.getValue());
        return out;
    }

    // ------------------------------------------------------------------------------------------------ WebP

    static byte[] riffChunk(String fourCc, byte[] data) {
        ByteBuffer b = ByteBuffer.allocate(8 + data.length + (data.length & 1)).order(ByteOrder.LITTLE_ENDIAN);
        b.put(fourCc.getBytes(StandardCharsets.ISO_8859_1)).putInt(data.length).put(data);
        return b.array();
    }

    static byte[] riffWebp(byte[]... chunks) {
        byte[] body = concat(chunks);
        ByteBuffer b = ByteBuffer.allocate(12 + body.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put("RIFF".getBytes(StandardCharsets.ISO_8859_1)).putInt(4 + body.length)
                .put("WEBP".getBytes(StandardCharsets.ISO_8859_1)).put(body);
        return b.array();
    }

    /** A VP8X chunk: {@code flags} (0x20 ICC, 0x10 alpha, 0x08 EXIF, 0x04 XMP, 0x02 animation) and canvas size. */
    static byte[] vp8x(int flags, int w, int h) {
        ByteBuffer b = ByteBuffer.allocate(10).order(ByteOrder.LITTLE_ENDIAN);
        b.put((byte) flags).put(new byte[3]);
        b.put((byte) (w - 1)).put((byte) ((w - 1) >> 8)).put((byte) ((w - 1) >> 16));
        b.put((byte) (h - 1)).put((byte) ((h - 1) >> 8)).put((byte) ((h - 1) >> 16));
        return riffChunk("VP8X", b.array());
    }

    /** The first chunk (header included) of a simple-format WebP file: its VP8 or VP8L chunk. */
    static byte[] imageChunk(byte[] simpleWebp) {
        int size = ByteBuffer.wrap(simpleWebp).order(ByteOrder.LITTLE_ENDIAN).getInt(16);
        return Arrays.copyOfRange(simpleWebp, 12, 12 + 8 + size + (size & 1));
    }

    // ------------------------------------------------------------------------------------------------ bytes

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    /** The JDK's linear-light sRGB profile (sRGB primaries, gamma 1.0): a simple non-sRGB RGB profile. */
    static byte[] linearRgbProfile() {
        return ICC_Profile.getInstance(ColorSpace.CS_LINEAR_RGB).getData();
    }

    /** sRGB encoding of a linear-light value 0..1, as 0..255. */
    static int srgb8(double linear) {
        double v = linear <= 0.0031308 ? 12.92 * linear : 1.055 * Math.pow(linear, 1 / 2.4) - 0.055;
        return (int) Math.round(Math.max(0, Math.min(1, v)) * 255);
    }
}
