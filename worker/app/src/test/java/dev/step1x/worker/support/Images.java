package dev.step1x.worker.support;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;

/** Sample inputs (the committed samples) and hostile ones built byte by byte. */
public final class Images {

    public static final String LANDSCAPE_PNG = "samples/house-landscape-320x240.png";
    public static final String PORTRAIT_JPEG = "samples/night-portrait-240x360.jpg";
    public static final String SQUARE_PNG = "samples/house-square-256.png";
    /** A 48x32 lossless WebP (libwebp's cwebp; pattern R = 5x, G = 7y, B = 3x + 5y, mod 256). */
    public static final String LOSSLESS_WEBP = "images/lossless-48x32.webp";
    /** A 32x16 lossless WebP with EXIF orientation 6: displayed 16x32. */
    public static final String ORIENTED_WEBP = "images/orientation-6-32x16.webp";

    private Images() {}

    public static byte[] sample(String resource) {
        try (InputStream in = Images.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + resource);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A pixel bomb: a valid PNG signature and IHDR declaring {@code w x h} pixels, followed by a tiny IDAT
     * and IEND. A few dozen bytes that would need gigabytes to decode.
     */
    public static byte[] pngBomb(int w, int h) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
        ByteBuffer ihdr = ByteBuffer.allocate(13).putInt(w).putInt(h).put((byte) 8).put((byte) 2).put((byte) 0)
                .put((byte) 0).put((byte) 0);
        chunk(out, "IHDR", ihdr.array());
        chunk(out, "IDAT", new byte[] {0x78, (byte) 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01});
        chunk(out, "IEND", new byte[0]);
        return out.toByteArray();
    }

    /** A PNG signature and header of a 64x64 image followed by garbage instead of image data. */
    public static byte[] corruptPng() {
        byte[] head = pngBomb(64, 64);
        byte[] out = new byte[head.length + 64];
        System.arraycopy(head, 0, out, 0, 33); // signature + IHDR only
        for (int i = 33; i < out.length; i++) {
            out[i] = (byte) (i * 31);
        }
        return out;
    }

    /** A 1x1 GIF (a real image in a format the worker does not accept). */
    public static byte[] gif() {
        return new byte[] {'G', 'I', 'F', '8', '9', 'a', 1, 0, 1, 0, (byte) 0x80, 0, 0, 0, 0, 0, (byte) 0xff,
                (byte) 0xff, (byte) 0xff, '!', (byte) 0xf9, 4, 1, 0, 0, 0, 0, ',', 0, 0, 0, 0, 1, 0, 1, 0, 0, 2, 2,
                'D', 1, 0, ';'};
    }

    private static void chunk(ByteArrayOutputStream out, String type, byte[] data) {
        byte[] t = type.getBytes(StandardCharsets.US_ASCII);
        out.writeBytes(ByteBuffer.allocate(4).putInt(data.length).array());
        out.writeBytes(t);
        out.writeBytes(data);
        CRC32 crc = new CRC32();
        crc.update(t);
        crc.update(data);
        out.writeBytes(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
    }
}
