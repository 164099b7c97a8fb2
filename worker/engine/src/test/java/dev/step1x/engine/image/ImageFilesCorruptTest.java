package dev.step1x.engine.image;

import static dev.step1x.engine.image.TestImages.resource;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import dev.step1x.engine.image.ImageFiles.ImageRejectedException;
import dev.step1x.engine.image.ImageFiles.ImageRejectedException.Reason;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Random;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.MemoryCacheImageOutputStream;
import org.junit.jupiter.api.Test;

/**
 * Truncated and damaged files are refused with {@link Reason#CORRUPT} and a message naming the problem, never
 * decoded into an image with grey or black where the data was missing; pixel bombs are refused from the header
 * with {@link Reason#TOO_MANY_PIXELS}.
 */
class ImageFilesCorruptTest {

    private static Reason reasonOf(byte[] bytes, long maxPixels) {
        try {
            ImageFiles.decode(bytes, maxPixels);
            return null;
        } catch (ImageRejectedException e) {
            return e.reason();
        }
    }

    private static String messageOf(byte[] bytes) {
        try {
            ImageFiles.decode(bytes, 1_000_000);
            return fail("decoded a damaged file");
        } catch (ImageRejectedException e) {
            assertThat(e.reason()).as(e.getMessage()).isEqualTo(Reason.CORRUPT);
            return e.getMessage();
        }
    }

    /** Every prefix of {@code file} from {@code from} bytes up is refused as CORRUPT. */
    private static void everyPrefixIsRefused(byte[] file, int from, String what) {
        assertThat(reasonOf(file, 1_000_000)).as(what + " in full").isNull();
        for (int n = from; n < file.length; n++) {
            assertThat(reasonOf(Arrays.copyOf(file, n), 1_000_000)).as("%s cut to %d of %d bytes", what, n, file.length)
                    .isEqualTo(Reason.CORRUPT);
        }
    }

    private static byte[] jpeg(RgbImage img, boolean progressive) throws Exception {
        ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (MemoryCacheImageOutputStream ios = new MemoryCacheImageOutputStream(out)) {
            writer.setOutput(ios);
            ImageWriteParam p = writer.getDefaultWriteParam();
            if (progressive) {
                p.setProgressiveMode(ImageWriteParam.MODE_DEFAULT);
            } else {
                p.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
                p.setCompressionQuality(0.9f);
            }
            writer.write(null, new IIOImage(img.toBufferedImage(), null, null), p);
        } finally {
            writer.dispose();
        }
        return out.toByteArray();
    }

    private static byte[] garbage(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    // ------------------------------------------------------------------------------------------------ truncation

    /**
     * A JPEG cut in half: the JDK decoder only warns ("Premature end of JPEG file") and fills the rest with grey;
     * the engine refuses it.
     */
    @Test
    void jpegCutInHalfIsRefused() throws Exception {
        byte[] jpeg = jpeg(TestImages.random(128, 96, 1), false);
        assertThat(messageOf(Arrays.copyOf(jpeg, jpeg.length / 2))).contains("JPEG").contains("truncated");
        // all data present but the end-of-image marker: still an incomplete file
        assertThat(messageOf(Arrays.copyOf(jpeg, jpeg.length - 2))).contains("JPEG").contains("truncated");
    }

    @Test
    void everyTruncationOfSmallFilesIsRefused() throws Exception {
        everyPrefixIsRefused(jpeg(TestImages.random(24, 16, 2), false), 3, "baseline JPEG");
        everyPrefixIsRefused(jpeg(TestImages.random(24, 16, 3), true), 3, "progressive JPEG");
        everyPrefixIsRefused(ImageFiles.encode(TestImages.random(20, 10, 4), ImageFiles.Format.PNG, 0), 8, "PNG");
        for (String webp : new String[] {"lossless-48x32.webp", "lossless-alpha-48x32.webp", "lossy-64x64.webp",
                "lossy-alpha-64x64.webp", "lossy-gradient-64x48.webp", "orientation-6-32x16.webp"}) {
            everyPrefixIsRefused(resource(webp), 12, webp);
        }
    }

    @Test
    void truncationMessagesNameTheProblem() throws Exception {
        byte[] png = ImageFiles.encode(TestImages.random(40, 30, 5), ImageFiles.Format.PNG, 0);
        assertThat(messageOf(Arrays.copyOf(png, png.length / 2))).contains("PNG file is truncated").contains("IDAT");
        assertThat(messageOf(Arrays.copyOf(png, png.length - 12))).contains("PNG file is truncated").contains("IEND");
        byte[] webp = resource("lossy-gradient-64x48.webp");
        assertThat(messageOf(Arrays.copyOf(webp, 100))).contains("WebP file is truncated")
                .contains("declares " + webp.length + " bytes, the file has 100");
    }

    // ------------------------------------------------------------------------------------------------ damage

    @Test
    void damagedJpegDataIsRefused() throws Exception {
        byte[] jpeg = jpeg(TestImages.random(128, 96, 6), false);
        int sos = -1;
        for (int i = 2; i + 1 < jpeg.length; i++) {
            if (jpeg[i] == (byte) 0xFF && jpeg[i + 1] == (byte) 0xDA) {
                sos = i;
                break;
            }
        }
        int scan = sos + 2 + ((jpeg[sos + 2] & 0xFF) << 8 | (jpeg[sos + 3] & 0xFF));
        // 200 bytes of garbage in the middle of the entropy-coded data (a single flipped bit can go unnoticed:
        // JPEG data has no checksum, and libjpeg decodes some such damage without a warning)
        byte[] damaged = jpeg.clone();
        System.arraycopy(garbage(200, 5), 0, damaged, jpeg.length / 3, 200);
        assertThat(messageOf(damaged)).contains("JPEG file").contains("corrupt");
        // the same without any 0xFF byte, so the container walk sees no marker to trip over: only the decoder's
        // warning ("Corrupt JPEG data: ...", which the JDK decoder does not treat as an error) shows the damage
        byte[] noMarkers = jpeg.clone();
        byte[] g = garbage(200, 5);
        for (int i = 0; i < g.length; i++) {
            noMarkers[jpeg.length / 3 + i] = (byte) (g[i] & 0x7F);
        }
        assertThat(ImageContainer.jpeg(noMarkers, true).problem()).isNull();
        assertThat(messageOf(noMarkers)).contains("JPEG file is truncated or corrupt").contains("Corrupt JPEG data");
        // a valid header followed by garbage instead of image data
        byte[] garbage = TestImages.concat(Arrays.copyOf(jpeg, scan), garbage(4000, 7), new byte[] {(byte) 0xFF, (byte) 0xD9});
        assertThat(reasonOf(garbage, 1_000_000)).isEqualTo(Reason.CORRUPT);
        // garbage right after the JFIF segment, where the tables and the frame header should be
        assertThat(jpeg[3] & 0xFF).isEqualTo(0xE0);
        int app0 = 4 + ((jpeg[4] & 0xFF) << 8 | (jpeg[5] & 0xFF));
        assertThat(messageOf(TestImages.concat(Arrays.copyOf(jpeg, app0), garbage(500, 8)))).contains("JPEG file is corrupt");
    }

    @Test
    void damagedPngDataIsRefused() throws Exception {
        byte[] png = ImageFiles.encode(TestImages.random(40, 30, 9), ImageFiles.Format.PNG, 0);
        byte[] flipped = png.clone();
        flipped[png.length / 2] ^= 0x55; // inside IDAT
        assertThat(messageOf(flipped)).contains("chunk 'IDAT'").contains("CRC");
        // header and signature, then garbage where the chunks should be
        byte[] garbage = TestImages.concat(Arrays.copyOf(png, 33), garbage(2000, 10));
        assertThat(reasonOf(garbage, 1_000_000)).isEqualTo(Reason.CORRUPT);
        // valid chunk structure (CRCs right) around an IDAT of garbage: the inflater refuses it
        byte[] badIdat = TestImages.concat(Arrays.copyOf(png, 33), TestImages.pngChunk("IDAT", garbage(300, 11)),
                TestImages.pngChunk("IEND", new byte[0]));
        assertThat(reasonOf(badIdat, 1_000_000)).isEqualTo(Reason.CORRUPT);
    }

    @Test
    void damagedWebpDataIsRefused() throws Exception {
        // a lossless header followed by garbage of the declared length: the decoder finds an invalid prefix code
        byte[] lossless = resource("lossless-48x32.webp");
        byte[] vp8l = lossless.clone();
        System.arraycopy(garbage(lossless.length - 25, 1), 0, vp8l, 25, lossless.length - 25);
        assertThat(messageOf(vp8l)).contains("WebP file is truncated or corrupt").contains("Huffman");
        // a valid RIFF header, then garbage where the chunks should be
        byte[] noChunks = TestImages.concat(Arrays.copyOf(lossless, 12), garbage(lossless.length - 12, 2));
        assertThat(messageOf(noChunks)).contains("first chunk");
        // garbage longer than the chunk that declares it: the RIFF length no longer matches
        byte[] longer = TestImages.concat(Arrays.copyOf(lossless, 20), garbage(400, 3));
        ByteBuffer.wrap(longer).order(ByteOrder.LITTLE_ENDIAN).putInt(16, 400 + 200);
        assertThat(messageOf(longer)).contains("chunk 'VP8L'");
        // a lossy chunk that does not start with a key frame header
        byte[] lossy = resource("lossy-64x64.webp");
        byte[] noKeyFrame = lossy.clone();
        noKeyFrame[20 + 3] = 0;
        assertThat(messageOf(noKeyFrame)).contains("key frame");
        // a lossy first partition longer than its chunk
        byte[] longPartition = lossy.clone();
        longPartition[20 + 2] = (byte) 0xFF;
        assertThat(messageOf(longPartition)).contains("first partition");
        // a chunk that runs past the RIFF length
        byte[] overrun = lossy.clone();
        ByteBuffer.wrap(overrun).order(ByteOrder.LITTLE_ENDIAN).putInt(16, 5000);
        assertThat(messageOf(overrun)).contains("chunk 'VP8 '").contains("5,000");
        // a VP8X canvas that is not the size of the image in it
        byte[] mismatch = TestImages.riffWebp(TestImages.vp8x(0, 40, 32), TestImages.imageChunk(lossless));
        assertThat(messageOf(mismatch)).contains("canvas is 40x32").contains("48x32");
    }

    // ------------------------------------------------------------------------------------------------ bombs

    @Test
    void pixelBombsAreRefusedFromTheHeaderInEveryFormat() throws Exception {
        long limit = 50_000_000;
        byte[] png = TestImages.withPngSize(ImageFiles.encode(TestImages.random(2, 2, 1), ImageFiles.Format.PNG, 0),
                100_000, 100_000);
        byte[] jpeg = TestImages.withJpegSize(jpeg(TestImages.random(16, 16, 2), false), 60_000, 60_000);
        byte[] lossless = resource("lossless-48x32.webp");
        byte[] vp8l = lossless.clone();
        // VP8L header: signature 0x2F, then 14 bits width - 1, 14 bits height - 1 (little-endian bit order)
        ByteBuffer.wrap(vp8l).order(ByteOrder.LITTLE_ENDIAN).putInt(21, (vp8l[24] & 0xF0) << 24 | 0x0FFFFFFF);
        byte[] lossy = resource("lossy-64x64.webp");
        byte[] vp8 = lossy.clone();
        ByteBuffer.wrap(vp8).order(ByteOrder.LITTLE_ENDIAN).putShort(26, (short) 16383).putShort(28, (short) 16383);
        byte[] vp8x = TestImages.riffWebp(TestImages.vp8x(0, 1 << 24, 1 << 24), TestImages.imageChunk(lossless));
        String[] names = {"PNG", "JPEG", "WebP lossless", "WebP lossy", "WebP extended"};
        byte[][] bombs = {png, jpeg, vp8l, vp8, vp8x};
        long[] pixels = {10_000_000_000L, 3_600_000_000L, 16384L * 16384, 16383L * 16383, (1L << 24) * (1L << 24)};
        for (int i = 0; i < bombs.length; i++) {
            assertThat(bombs[i].length).as(names[i]).isLessThan(2000);
            assertThat(ImageFiles.probe(bombs[i]).pixels()).as(names[i]).isEqualTo(pixels[i]);
            int at = i;
            assertThatThrownBy(() -> ImageFiles.decode(bombs[at], limit)).as(names[at])
                    .isInstanceOf(ImageRejectedException.class).hasMessageContaining("more than the limit")
                    .satisfies(e -> assertThat(((ImageRejectedException) e).reason()).isEqualTo(Reason.TOO_MANY_PIXELS));
        }
    }

    /** The limit is inclusive, and no limit lets an image past what an RgbImage can hold. */
    @Test
    void limitBoundaries() throws Exception {
        byte[] png = ImageFiles.encode(TestImages.random(10, 10, 1), ImageFiles.Format.PNG, 0);
        assertThat(reasonOf(png, 100)).isNull();
        assertThat(reasonOf(png, 99)).isEqualTo(Reason.TOO_MANY_PIXELS);
        byte[] huge = TestImages.withPngSize(png, 50_000, 50_000);
        assertThatThrownBy(() -> ImageFiles.decode(huge, Long.MAX_VALUE))
                .hasMessageContaining("more than the limit of " + String.format("%,d", ImageFiles.MAX_RGB_PIXELS));
    }
}
