package dev.step1x.engine.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.zip.Deflater;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.MemoryCacheImageOutputStream;
import org.junit.jupiter.api.Test;

/**
 * Files that are cheap to send and expensive to decode are refused with {@code DECODE_LIMIT} and a message naming
 * the limit: a JPEG scan bomb, PNG zTXt and iCCP decompression bombs, and any decode past its time budget. The
 * fixtures are made here, a few kilobytes each.
 */
class ImageFilesDecodeLimitsTest {

    static byte[] progressiveJpeg(int w, int h) throws Exception {
        BufferedImage img = TestImages.flat(w, h, 200, 120, 40).toBufferedImage();
        ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (MemoryCacheImageOutputStream ios = new MemoryCacheImageOutputStream(out)) {
            writer.setOutput(ios);
            ImageWriteParam p = writer.getDefaultWriteParam();
            p.setProgressiveMode(ImageWriteParam.MODE_DEFAULT);
            writer.write(null, new IIOImage(img, null, null), p);
        } finally {
            writer.dispose();
        }
        return out.toByteArray();
    }

    static int scans(byte[] jpeg) {
        int n = 0;
        for (int i = 0; i + 1 < jpeg.length; i++) {
            if ((jpeg[i] & 0xFF) == 0xFF && (jpeg[i + 1] & 0xFF) == 0xDA) {
                n++;
            }
        }
        return n;
    }

    /** The progressive file with its last scan repeated {@code copies} more times before EOI. */
    static byte[] scanBomb(byte[] progressive, int copies) {
        int last = -1;
        for (int i = 0; i + 1 < progressive.length; i++) {
            if ((progressive[i] & 0xFF) == 0xFF && (progressive[i + 1] & 0xFF) == 0xDA) {
                last = i;
            }
        }
        byte[] scan = java.util.Arrays.copyOfRange(progressive, last, progressive.length - 2);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(progressive, 0, progressive.length - 2);
        for (int i = 0; i < copies; i++) {
            out.write(scan, 0, scan.length);
        }
        out.write(0xFF);
        out.write(0xD9);
        return out.toByteArray();
    }

    static byte[] deflate(byte[] data) {
        Deflater d = new Deflater(Deflater.BEST_COMPRESSION);
        d.setInput(data);
        d.finish();
        ByteArrayOutputStream z = new ByteArrayOutputStream();
        byte[] buf = new byte[65536];
        while (!d.finished()) {
            z.write(buf, 0, d.deflate(buf));
        }
        d.end();
        return z.toByteArray();
    }

    static byte[] zTxt(String keyword, int inflatedBytes) {
        return TestImages.concat((keyword + "\0\0").getBytes(StandardCharsets.ISO_8859_1),
                deflate(new byte[inflatedBytes]));
    }

    static byte[] palettePng(int w, int h) throws Exception {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_INDEXED);
        img.getGraphics().fillRect(2, 2, w / 2, h / 2);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(img, "png", out);
        return out.toByteArray();
    }

    @Test
    void imageIoDiskCacheIsOff() throws Exception {
        ImageFiles.decode(palettePng(8, 8), 1 << 20);
        assertThat(ImageIO.getUseCache()).as("inputs are never written to a temporary directory").isFalse();
    }

    @Test
    void aJpegScanBombIsRefusedBeforeDecoding() throws Exception {
        byte[] progressive = progressiveJpeg(64, 48);
        assertThat(scans(progressive)).isBetween(2, 20);
        assertThat(ImageFiles.decode(progressive, 1 << 20).width()).isEqualTo(64);

        byte[] bomb = scanBomb(progressive, 400);
        assertThat(bomb.length).as("small to send").isLessThan(200_000);
        assertThat(scans(bomb)).isGreaterThan(400);
        assertThatThrownBy(() -> ImageFiles.decode(bomb, 1 << 20))
                .isInstanceOfSatisfying(ImageFiles.ImageRejectedException.class, e -> {
                    assertThat(e.reason()).isEqualTo(ImageFiles.ImageRejectedException.Reason.DECODE_LIMIT);
                    assertThat(e.getMessage()).isEqualTo("the JPEG file has more than 100 scans (found 101 before "
                            + "giving up); each scan is another pass over the whole image: refused");
                });
        // the limit is a setting: the plain progressive file is over a limit of 3
        assertThatThrownBy(() -> ImageFiles.decode(progressive,
                new ImageFiles.DecodeLimits(1 << 20, 3, Duration.ofSeconds(30))))
                .hasMessageContaining("more than 3 scans");
    }

    @Test
    void aPngZtxtDecompressionBombIsRefused() throws Exception {
        byte[] png = palettePng(32, 32);
        byte[] bomb = TestImages.withPngChunk(png, "zTXt", zTxt("Comment", 64 << 20));
        assertThat(bomb.length).as("small to send").isLessThan(200_000);
        assertThatThrownBy(() -> ImageFiles.decode(bomb, 1 << 20))
                .isInstanceOfSatisfying(ImageFiles.ImageRejectedException.class, e -> {
                    assertThat(e.reason()).isEqualTo(ImageFiles.ImageRejectedException.Reason.DECODE_LIMIT);
                    assertThat(e.getMessage()).startsWith("the PNG file's 'zTXt' chunk at byte 33 inflates from ")
                            .endsWith("bytes to more than 1,048,576 (a decompression bomb); refused");
                });
        // a normal comment passes; many chunks under the per-chunk limit still add up
        assertThat(ImageFiles.decode(TestImages.withPngChunk(png, "zTXt", zTxt("Comment", 4000)), 1 << 20).width())
                .isEqualTo(32);
        byte[] many = png;
        for (int i = 0; i < 9; i++) {
            many = TestImages.withPngChunk(many, "zTXt", zTxt("Part" + i, 1 << 20));
        }
        byte[] manyChunks = many;
        assertThatThrownBy(() -> ImageFiles.decode(manyChunks, 1 << 20))
                .hasMessageContaining("compressed metadata chunks inflate to more than 8,388,608 bytes together");
    }

    @Test
    void aPngIccpDecompressionBombIsRefused() throws Exception {
        byte[] png = ImageFiles.encode(TestImages.flat(16, 16, 10, 20, 30), ImageFiles.Format.PNG, 0);
        byte[] bomb = TestImages.withPngChunk(png, "iCCP", TestImages.iccpData(new byte[32 << 20]));
        assertThat(bomb.length).as("small to send").isLessThan(200_000);
        assertThatThrownBy(() -> ImageFiles.decode(bomb, 1 << 20))
                .isInstanceOfSatisfying(ImageFiles.ImageRejectedException.class, e -> {
                    assertThat(e.reason()).isEqualTo(ImageFiles.ImageRejectedException.Reason.DECODE_LIMIT);
                    assertThat(e.getMessage()).contains("'iCCP' chunk").contains("more than 4,194,304")
                            .contains("decompression bomb");
                });
    }

    @Test
    void aDecodePastItsTimeBudgetIsAbortedAndRefused() throws Exception {
        byte[] big = ImageFiles.encode(TestImages.random(1500, 1500, 9), ImageFiles.Format.PNG, 0);
        long t0 = System.nanoTime();
        assertThatThrownBy(() -> ImageFiles.decode(big, new ImageFiles.DecodeLimits(1 << 24, 100,
                Duration.ofMillis(1))))
                .isInstanceOfSatisfying(ImageFiles.ImageRejectedException.class, e -> {
                    assertThat(e.reason()).isEqualTo(ImageFiles.ImageRejectedException.Reason.DECODE_LIMIT);
                    assertThat(e.getMessage()).startsWith("decoding the PNG image took longer than its time budget "
                            + "of 1 ms");
                });
        long refusedMs = (System.nanoTime() - t0) / 1_000_000;
        long t1 = System.nanoTime();
        assertThat(ImageFiles.decode(big, 1 << 24).width()).isEqualTo(1500);
        long fullMs = (System.nanoTime() - t1) / 1_000_000;
        System.out.printf("time budget: refused after %d ms, a full decode takes %d ms%n", refusedMs, fullMs);
    }
}
