package dev.step1x.loadtest.gen;

import java.awt.Color;
import java.awt.GradientPaint;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32;
import javax.imageio.ImageIO;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;

/**
 * The input objects of one run, uploaded once: one synthetic PNG per aspect ratio of the profile (a gradient
 * with a few shapes, long side = the profile's), a corrupt PNG and a pixel bomb for the bad requests.
 */
public final class InputCatalog {

    /** One uploaded input. */
    public record Input(String bucket, String key, int width, int height, long bytes) {}

    private final String bucket;
    private final Map<Aspect, Input> byAspect;
    private final Input corrupt;
    private final Input bomb;

    private InputCatalog(String bucket, Map<Aspect, Input> byAspect, Input corrupt, Input bomb) {
        this.bucket = bucket;
        this.byAspect = byAspect;
        this.corrupt = corrupt;
        this.bomb = bomb;
    }

    /** Generates and uploads the inputs of {@code profile} under {@code prefix} in {@code bucket}. */
    public static InputCatalog upload(S3Client s3, String bucket, String prefix, Profile profile) {
        Map<Aspect, Input> m = new LinkedHashMap<>();
        for (Aspect a : profile.aspects().keySet()) {
            int[] wh = a.size(profile.inputLongSide());
            byte[] png = syntheticPng(wh[0], wh[1], a.w() * 31 + a.h());
            String key = prefix + "in/" + a.w() + "x" + a.h() + "-" + wh[0] + "x" + wh[1] + ".png";
            put(s3, bucket, key, png);
            m.put(a, new Input(bucket, key, wh[0], wh[1], png.length));
        }
        byte[] corrupt = corruptPng();
        put(s3, bucket, prefix + "bad/corrupt.png", corrupt);
        byte[] bomb = pngHeaderOnly(30_000, 30_000);
        put(s3, bucket, prefix + "bad/bomb.png", bomb);
        return new InputCatalog(bucket, m, new Input(bucket, prefix + "bad/corrupt.png", 64, 64, corrupt.length),
                new Input(bucket, prefix + "bad/bomb.png", 30_000, 30_000, bomb.length));
    }

    /** The catalog {@link #upload} would build, without generating or uploading anything (tests, dry runs). */
    public static InputCatalog withoutUpload(String bucket, String prefix, Profile profile) {
        Map<Aspect, Input> m = new LinkedHashMap<>();
        for (Aspect a : profile.aspects().keySet()) {
            int[] wh = a.size(profile.inputLongSide());
            m.put(a, new Input(bucket, prefix + "in/" + a.w() + "x" + a.h() + "-" + wh[0] + "x" + wh[1] + ".png",
                    wh[0], wh[1], 0));
        }
        return new InputCatalog(bucket, m, new Input(bucket, prefix + "bad/corrupt.png", 64, 64, 0),
                new Input(bucket, prefix + "bad/bomb.png", 30_000, 30_000, 0));
    }

    public String bucket() {
        return bucket;
    }

    public Input forAspect(Aspect a) {
        Input i = byAspect.get(a);
        if (i == null) {
            throw new IllegalArgumentException("no input for aspect " + a);
        }
        return i;
    }

    public Input corrupt() {
        return corrupt;
    }

    public Input bomb() {
        return bomb;
    }

    private static void put(S3Client s3, String bucket, String key, byte[] bytes) {
        s3.putObject(PutObjectRequest.builder().bucket(bucket).key(key).contentType("image/png").build(),
                RequestBody.fromBytes(bytes));
    }

    /** A deterministic picture: a diagonal gradient, a disc and a bar, so PNG sizes are realistic-ish. */
    public static byte[] syntheticPng(int w, int h, int seed) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        try {
            g.setPaint(new GradientPaint(0, 0, new Color(40 + seed % 100, 90, 160), w, h, new Color(230, 200, 120 + seed % 60)));
            g.fillRect(0, 0, w, h);
            g.setColor(new Color(200, 60, 50));
            int d = Math.min(w, h) / 3;
            g.fillOval(w / 5, h / 4, d, d);
            g.setColor(new Color(30, 120, 60));
            g.fillRect(w / 2, h * 2 / 3, w / 3, Math.max(2, h / 10));
        } finally {
            g.dispose();
        }
        // a little per-pixel texture so the encoder has real work (a flat gradient compresses to nothing)
        long s = seed * 0x9E3779B97F4A7C15L;
        for (int y = 0; y < h; y += 1) {
            for (int x = 0; x < w; x += 3) {
                s = s * 6364136223846793005L + 1442695040888963407L;
                int rgb = img.getRGB(x, y);
                int n = (int) ((s >>> 60) & 7);
                img.setRGB(x, y, (rgb & 0xFF000000) | (Math.min(255, ((rgb >> 16) & 0xFF) + n) << 16)
                        | (Math.min(255, ((rgb >> 8) & 0xFF) + n) << 8) | Math.min(255, (rgb & 0xFF) + n));
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            if (!ImageIO.write(img, "png", out)) {
                throw new IllegalStateException("no PNG writer");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** A valid PNG signature and IHDR declaring {@code w x h}, an empty IDAT and IEND: a decompression bomb's header. */
    public static byte[] pngHeaderOnly(int w, int h) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
        chunk(out, "IHDR", ByteBuffer.allocate(13).putInt(w).putInt(h).put((byte) 8).put((byte) 2).put((byte) 0)
                .put((byte) 0).put((byte) 0).array());
        chunk(out, "IDAT", new byte[] {0x78, 0x01, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01});
        chunk(out, "IEND", new byte[0]);
        return out.toByteArray();
    }

    /** The header of a 64x64 PNG followed by bytes that are no image data. */
    public static byte[] corruptPng() {
        byte[] head = pngHeaderOnly(64, 64);
        int keep = 8 + 25; // signature + IHDR chunk
        byte[] out = new byte[keep + 96];
        System.arraycopy(head, 0, out, 0, keep);
        for (int i = keep; i < out.length; i++) {
            out[i] = (byte) (i * 37 + 11);
        }
        return out;
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
