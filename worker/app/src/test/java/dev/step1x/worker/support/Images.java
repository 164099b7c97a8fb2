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

    /**
     * A JPEG scan bomb: a small progressive JPEG whose last scan is repeated {@code copies} times before its end
     * marker. A few kilobytes; each scan is another pass of the decoder over the whole image.
     */
    public static byte[] jpegScanBomb(int copies) {
        java.awt.image.BufferedImage img = new java.awt.image.BufferedImage(64, 48,
                java.awt.image.BufferedImage.TYPE_INT_RGB);
        img.getGraphics().fillRect(8, 8, 20, 20);
        ByteArrayOutputStream jpeg = new ByteArrayOutputStream();
        javax.imageio.ImageWriter writer = javax.imageio.ImageIO.getImageWritersByFormatName("jpeg").next();
        try (javax.imageio.stream.MemoryCacheImageOutputStream ios = new javax.imageio.stream.MemoryCacheImageOutputStream(jpeg)) {
            writer.setOutput(ios);
            javax.imageio.ImageWriteParam p = writer.getDefaultWriteParam();
            p.setProgressiveMode(javax.imageio.ImageWriteParam.MODE_DEFAULT);
            writer.write(null, new javax.imageio.IIOImage(img, null, null), p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            writer.dispose();
        }
        byte[] b = jpeg.toByteArray();
        int last = -1;
        for (int i = 0; i + 1 < b.length; i++) {
            if ((b[i] & 0xFF) == 0xFF && (b[i + 1] & 0xFF) == 0xDA) {
                last = i;
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(b, 0, b.length - 2);
        for (int i = 0; i < copies; i++) {
            out.write(b, last, b.length - 2 - last);
        }
        out.write(0xFF);
        out.write(0xD9);
        return out.toByteArray();
    }

    /**
     * A PNG decompression bomb: a small palette PNG (whose text chunks the JDK reader inflates in full) with a
     * {@code type} chunk ({@code zTXt} or {@code iCCP}) of {@code inflatedBytes} zeros, compressed to a few
     * kilobytes.
     */
    public static byte[] pngMetadataBomb(String type, int inflatedBytes) {
        java.awt.image.BufferedImage img = new java.awt.image.BufferedImage(32, 32,
                java.awt.image.BufferedImage.TYPE_BYTE_INDEXED);
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        try {
            javax.imageio.ImageIO.write(img, "png", png);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        java.util.zip.Deflater d = new java.util.zip.Deflater(java.util.zip.Deflater.BEST_COMPRESSION);
        d.setInput(new byte[inflatedBytes]);
        d.finish();
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        data.writeBytes((type.equals("iCCP") ? "profile" : "Comment").getBytes(StandardCharsets.US_ASCII));
        data.write(0);
        data.write(0);
        byte[] buf = new byte[65536];
        while (!d.finished()) {
            data.write(buf, 0, d.deflate(buf));
        }
        d.end();
        byte[] b = png.toByteArray();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(b, 0, 33); // signature + IHDR
        chunk(out, type, data.toByteArray());
        out.write(b, 33, b.length - 33);
        return out.toByteArray();
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
