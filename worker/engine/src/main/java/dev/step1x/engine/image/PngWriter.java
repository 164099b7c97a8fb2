package dev.step1x.engine.image;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/**
 * Writes an {@link RgbImage} as an 8-bit RGB PNG, fast: every row with the Sub filter and zlib at level 1. A
 * worker encodes one output per request, so the encoder's CPU time is per-request cost. Measured on a 1024x1024
 * picture (a gradient with shapes and noise): 20 ms and 574 KB, where ImageIO's writer (adaptive filters, its
 * default level) takes 52 ms for 636 KB; zlib level 3 would save another 13 % of the bytes for twice the time.
 * Lossless either way: the decoded pixels are the image's.
 */
final class PngWriter {

    private static final byte[] SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    private static final int LEVEL = 1;
    private static final int CHUNK = 64 * 1024;

    private PngWriter() {}

    static byte[] write(RgbImage image) {
        int w = image.width();
        int h = image.height();
        int stride = w * RgbImage.CHANNELS;
        byte[] px = image.data();
        ByteArrayOutputStream out = new ByteArrayOutputStream(Math.max(1024, px.length / 3));
        out.writeBytes(SIGNATURE);
        byte[] ihdr = new byte[13];
        putInt(ihdr, 0, w);
        putInt(ihdr, 4, h);
        ihdr[8] = 8; // bit depth
        ihdr[9] = 2; // colour type: RGB
        // compression 0 (deflate), filter method 0, interlace 0 (none)
        chunk(out, "IHDR", ihdr, ihdr.length);
        Deflater deflater = new Deflater(LEVEL);
        try {
            byte[] row = new byte[1 + stride];
            byte[] buf = new byte[CHUNK];
            int[] filled = {0};
            for (int y = 0; y < h; y++) {
                sub(px, y * stride, stride, row);
                deflater.setInput(row);
                while (!deflater.needsInput()) {
                    drain(deflater, buf, filled, out);
                }
            }
            deflater.finish();
            while (!deflater.finished()) {
                drain(deflater, buf, filled, out);
            }
            if (filled[0] > 0) {
                chunk(out, "IDAT", buf, filled[0]);
            }
        } finally {
            deflater.end();
        }
        chunk(out, "IEND", new byte[0], 0);
        return out.toByteArray();
    }

    /** Filter type 1: each byte less the same channel of the pixel to its left (0 for the first pixel). */
    private static void sub(byte[] px, int from, int stride, byte[] row) {
        row[0] = 1;
        int c = RgbImage.CHANNELS;
        System.arraycopy(px, from, row, 1, Math.min(c, stride));
        for (int i = c; i < stride; i++) {
            row[1 + i] = (byte) (px[from + i] - px[from + i - c]);
        }
    }

    /** Deflates into {@code buf}; a full buffer becomes one IDAT chunk. */
    private static void drain(Deflater deflater, byte[] buf, int[] filled, ByteArrayOutputStream out) {
        filled[0] += deflater.deflate(buf, filled[0], buf.length - filled[0]);
        if (filled[0] == buf.length) {
            chunk(out, "IDAT", buf, buf.length);
            filled[0] = 0;
        }
    }

    private static void chunk(ByteArrayOutputStream out, String type, byte[] data, int length) {
        byte[] head = new byte[8];
        putInt(head, 0, length);
        byte[] t = type.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(t, 0, head, 4, 4);
        out.write(head, 0, 8);
        out.write(data, 0, length);
        CRC32 crc = new CRC32();
        crc.update(t);
        crc.update(data, 0, length);
        byte[] tail = new byte[4];
        putInt(tail, 0, (int) crc.getValue());
        out.write(tail, 0, 4);
    }

    private static void putInt(byte[] b, int at, int v) {
        b[at] = (byte) (v >>> 24);
        b[at + 1] = (byte) (v >>> 16);
        b[at + 2] = (byte) (v >>> 8);
        b[at + 3] = (byte) v;
    }
}
