package dev.step1x.engine.image;

import static dev.step1x.engine.image.TestImages.distance;
import static dev.step1x.engine.image.TestImages.rgb;
import static org.assertj.core.api.Assertions.assertThat;

import java.awt.Transparency;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.IndexColorModel;
import java.awt.image.WritableRaster;
import java.io.ByteArrayOutputStream;
import javax.imageio.ImageIO;
import javax.imageio.stream.MemoryCacheImageOutputStream;
import org.junit.jupiter.api.Test;

/**
 * PNG bit depths, palettes, alpha and embedded profiles, written by the JDK's PNG writer and read back
 * through {@link ImageFiles#decode}: the reduction to 8-bit RGB follows Pillow's {@code convert("RGB")}
 * except where the documentation says otherwise.
 */
class ImageFilesPngTest {

    private static byte[] png(BufferedImage img) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (MemoryCacheImageOutputStream ios = new MemoryCacheImageOutputStream(out)) {
            assertThat(ImageIO.write(img, "png", ios)).isTrue();
        }
        return out.toByteArray();
    }

    /** The PNG's IHDR bit depth and colour type, to be sure the writer kept the layout under test. */
    private static int[] depthAndColourType(byte[] png) {
        return new int[] {png[24] & 0xFF, png[25] & 0xFF};
    }

    /** 16-bit RGB keeps the high byte of each sample, as Pillow does. */
    @Test
    void sixteenBitRgbKeepsTheHighByte() throws Exception {
        ComponentColorModel cm = new ComponentColorModel(ColorSpace.getInstance(ColorSpace.CS_sRGB),
                new int[] {16, 16, 16}, false, false, Transparency.OPAQUE, DataBuffer.TYPE_USHORT);
        WritableRaster r = cm.createCompatibleWritableRaster(2, 1);
        r.setPixel(0, 0, new int[] {0x12FF, 0xAB01, 0x0080});
        r.setPixel(1, 0, new int[] {0xFFFF, 0x8000, 0x7FFF});
        byte[] png = png(new BufferedImage(cm, r, false, null));
        assertThat(depthAndColourType(png)).containsExactly(16, 2);
        RgbImage img = ImageFiles.decode(png, 100);
        assertThat(rgb(img, 0, 0)).containsExactly(0x12, 0xAB, 0x00);
        assertThat(rgb(img, 1, 0)).containsExactly(0xFF, 0x80, 0x7F);
    }

    /**
     * 16-bit grey keeps the high byte too, replicated to R = G = B. Pillow differs here: it opens the file as
     * mode "I;16" and its conversion to RGB clips every value above 255 to white.
     */
    @Test
    void sixteenBitGreyKeepsTheHighByte() throws Exception {
        BufferedImage grey = new BufferedImage(3, 1, BufferedImage.TYPE_USHORT_GRAY);
        grey.getRaster().setSample(0, 0, 0, 0x8000);
        grey.getRaster().setSample(1, 0, 0, 0x00FF);
        grey.getRaster().setSample(2, 0, 0, 0xFFFF);
        byte[] png = png(grey);
        assertThat(depthAndColourType(png)).containsExactly(16, 0);
        RgbImage img = ImageFiles.decode(png, 100);
        assertThat(rgb(img, 0, 0)).containsExactly(0x80, 0x80, 0x80);
        assertThat(rgb(img, 1, 0)).containsExactly(0, 0, 0);
        assertThat(rgb(img, 2, 0)).containsExactly(255, 255, 255);
    }

    /** 1-, 2- and 4-bit grey (written here byte by byte) is scaled to 0..255 as Pillow does: 2-bit 1 is 85. */
    @Test
    void lowBitDepthGreyIsScaledToTheFullRange() throws Exception {
        int[][] cases = {{1, 0b1000_0000, 255}, {2, 0b0100_0000, 85}, {4, 0b0111_0000, 119}};
        for (int[] c : cases) {
            byte[] ihdr = java.nio.ByteBuffer.allocate(13).putInt(2).putInt(1).put((byte) c[0]).put((byte) 0)
                    .put((byte) 0).put((byte) 0).put((byte) 0).array();
            // one row: filter type 0, then the first pixel in the top bits and 0 for the second
            java.util.zip.Deflater d = new java.util.zip.Deflater();
            d.setInput(new byte[] {0, (byte) c[1]});
            d.finish();
            byte[] z = new byte[64];
            int n = d.deflate(z);
            d.end();
            byte[] png = TestImages.concat(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'},
                    TestImages.pngChunk("IHDR", ihdr), TestImages.pngChunk("IDAT", java.util.Arrays.copyOf(z, n)),
                    TestImages.pngChunk("IEND", new byte[0]));
            RgbImage img = ImageFiles.decode(png, 100);
            assertThat(rgb(img, 0, 0)).as("%d-bit", c[0]).containsExactly(c[2], c[2], c[2]);
            assertThat(rgb(img, 1, 0)).as("%d-bit", c[0]).containsExactly(0, 0, 0);
        }
    }

    /** 8-bit grey is replicated as stored, not passed through AWT's linear-gamma grey conversion. */
    @Test
    void eightBitGreyWithAlphaIsReplicatedAndAlphaDropped() throws Exception {
        ComponentColorModel cm = new ComponentColorModel(ColorSpace.getInstance(ColorSpace.CS_GRAY),
                new int[] {8, 8}, true, false, Transparency.TRANSLUCENT, DataBuffer.TYPE_BYTE);
        WritableRaster r = cm.createCompatibleWritableRaster(2, 1);
        r.setPixel(0, 0, new int[] {100, 0});
        r.setPixel(1, 0, new int[] {200, 128});
        byte[] png = png(new BufferedImage(cm, r, false, null));
        assertThat(depthAndColourType(png)).containsExactly(8, 4);
        RgbImage img = ImageFiles.decode(png, 100);
        assertThat(rgb(img, 0, 0)).containsExactly(100, 100, 100);
        assertThat(rgb(img, 1, 0)).containsExactly(200, 200, 200);
    }

    /** RGBA: the colour under a fully transparent pixel is kept (Pillow drops alpha the same way). */
    @Test
    void rgbaDropsAlphaWithoutCompositing() throws Exception {
        BufferedImage argb = new BufferedImage(2, 1, BufferedImage.TYPE_4BYTE_ABGR);
        argb.setRGB(0, 0, 0x00FF8040);
        argb.setRGB(1, 0, 0x80102030);
        byte[] png = png(argb);
        assertThat(depthAndColourType(png)).containsExactly(8, 6);
        RgbImage img = ImageFiles.decode(png, 100);
        assertThat(rgb(img, 0, 0)).containsExactly(0xFF, 0x80, 0x40);
        assertThat(rgb(img, 1, 0)).containsExactly(0x10, 0x20, 0x30);
    }

    /** Palette images (8-bit and 2-bit, one entry transparent) expand to the palette's RGB. */
    @Test
    void palettesExpandToTheirColours() throws Exception {
        byte[] reds = {(byte) 10, (byte) 200, (byte) 30, (byte) 255};
        byte[] greens = {(byte) 20, (byte) 100, (byte) 60, (byte) 255};
        byte[] blues = {(byte) 30, (byte) 0, (byte) 90, (byte) 255};
        byte[] alphas = {(byte) 255, (byte) 0, (byte) 255, (byte) 255};
        for (int bits : new int[] {2, 8}) {
            IndexColorModel icm = new IndexColorModel(bits, 4, reds, greens, blues, alphas);
            WritableRaster r = icm.createCompatibleWritableRaster(4, 2);
            for (int x = 0; x < 4; x++) {
                r.setSample(x, 0, 0, x);
                r.setSample(x, 1, 0, 3 - x);
            }
            byte[] png = png(new BufferedImage(icm, r, false, null));
            assertThat(depthAndColourType(png)).containsExactly(bits, 3);
            RgbImage img = ImageFiles.decode(png, 100);
            for (int x = 0; x < 4; x++) {
                assertThat(rgb(img, x, 0)).containsExactly(reds[x] & 0xFF, greens[x] & 0xFF, blues[x] & 0xFF);
                assertThat(rgb(img, x, 1)).containsExactly(reds[3 - x] & 0xFF, greens[3 - x] & 0xFF, blues[3 - x] & 0xFF);
            }
        }
    }

    /**
     * An {@code iCCP} chunk is applied (the JDK reader ignores it; the engine converts): with a linear-light
     * profile, stored 128 is linear 0.502, sRGB 188.
     */
    @Test
    void iccpProfileIsConvertedToSrgb() throws Exception {
        RgbImage stored = TestImages.flat(4, 2, 128, 64, 200);
        byte[] png = ImageFiles.encode(stored, ImageFiles.Format.PNG, 0);
        byte[] tagged = TestImages.withPngChunk(png, "iCCP", TestImages.iccpData(TestImages.linearRgbProfile()));
        int[] expected = {TestImages.srgb8(128 / 255.0), TestImages.srgb8(64 / 255.0), TestImages.srgb8(200 / 255.0)};
        assertThat(distance(expected, new int[] {188, 137, 229})).isLessThanOrEqualTo(1);
        assertThat(distance(rgb(ImageFiles.decode(tagged, 100), 1, 1), expected)).isLessThanOrEqualTo(1);
        assertThat(ImageFiles.decode(png, 100)).isEqualTo(stored);
    }

    /** A broken ancillary chunk (a profile that is not one, an iCCP with a bad CRC) is ignored, not a refusal. */
    @Test
    void unusableProfilesAreIgnored() throws Exception {
        RgbImage stored = TestImages.flat(4, 2, 128, 64, 200);
        byte[] png = ImageFiles.encode(stored, ImageFiles.Format.PNG, 0);
        byte[] notAProfile = TestImages.withPngChunk(png, "iCCP", TestImages.iccpData(new byte[200]));
        assertThat(ImageFiles.decode(notAProfile, 100)).isEqualTo(stored);
        byte[] badCrc = TestImages.withPngChunk(png, "iCCP", TestImages.iccpData(TestImages.linearRgbProfile()));
        badCrc[33 + 8 + 20] ^= 1; // a byte of the compressed profile; the chunk's CRC no longer matches
        assertThat(ImageFiles.decode(badCrc, 100)).isEqualTo(stored);
    }
}
