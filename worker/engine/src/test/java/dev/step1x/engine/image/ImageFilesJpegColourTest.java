package dev.step1x.engine.image;

import static dev.step1x.engine.image.TestImages.distance;
import static dev.step1x.engine.image.TestImages.rgb;
import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.awt.image.DataBuffer;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.io.InputStream;
import org.junit.jupiter.api.Test;

/**
 * CMYK, YCCK, embedded ICC profiles and grey JPEGs. The files are written here: the JDK writer stores raw
 * four-channel samples, and the Adobe APP14 and ICC APP2 segments that tell a reader how to interpret them
 * are spliced in byte by byte, so the expected colours follow from the specifications, not from the reader.
 */
class ImageFilesJpegColourTest {

    /** Ink amounts (C, M, Y, K, 0..255) of the four 8-pixel-wide bars of the CMYK test images. */
    private static final int[][] INK = {{255, 0, 0, 0}, {0, 255, 0, 0}, {0, 0, 0, 128}, {64, 128, 192, 32}};

    /**
     * sRGB for an ink, with no CMYK profile in the file: TwelveMonkeys converts with
     * {@code (255 - C)(255 - K) / 255} per channel on a system without a generic CMYK profile (Linux), the
     * formula Pillow uses for CMYK.
     */
    private static int[] naiveRgb(int[] ink) {
        int k = 255 - ink[3];
        return new int[] {(255 - ink[0]) * k / 255, (255 - ink[1]) * k / 255, (255 - ink[2]) * k / 255};
    }

    private static void assertBars(RgbImage img, String what) {
        assertThat(img.width()).isEqualTo(32);
        assertThat(img.height()).isEqualTo(8);
        for (int bar = 0; bar < 4; bar++) {
            int[] expected = naiveRgb(INK[bar]);
            for (int x = bar * 8 + 1; x < bar * 8 + 7; x++) {
                assertThat(distance(rgb(img, x, 4), expected)).as("%s bar %d pixel %d: %s", what, bar, x,
                        java.util.Arrays.toString(rgb(img, x, 4))).isLessThanOrEqualTo(3);
            }
        }
    }

    /** Adobe CMYK (APP14 transform 0): the samples are stored inverted, 255 - ink, as Photoshop writes them. */
    @Test
    void adobeCmykJpegDecodesToRgb() throws Exception {
        WritableRaster r = Raster.createInterleavedRaster(DataBuffer.TYPE_BYTE, 32, 8, 4, null);
        for (int y = 0; y < 8; y++) {
            for (int x = 0; x < 32; x++) {
                int[] ink = INK[x / 8];
                r.setPixel(x, y, new int[] {255 - ink[0], 255 - ink[1], 255 - ink[2], 255 - ink[3]});
            }
        }
        byte[] jpeg = TestImages.withJpegSegment(TestImages.rawFourChannelJpeg(r), 0xEE, TestImages.adobeApp14(0));
        assertThat(ImageFiles.probe(jpeg)).isEqualTo(new ImageFiles.Probe(ImageFiles.Format.JPEG, 32, 8));
        assertBars(ImageFiles.decode(jpeg, 1000), "CMYK");
    }

    /**
     * Adobe YCCK (APP14 transform 2): what libjpeg's CMYK-to-YCCK conversion stores for inverted CMYK input,
     * i.e. the JFIF YCbCr of (C, M, Y) ink and K stored inverted.
     */
    @Test
    void adobeYcckJpegDecodesToRgb() throws Exception {
        WritableRaster r = Raster.createInterleavedRaster(DataBuffer.TYPE_BYTE, 32, 8, 4, null);
        for (int y = 0; y < 8; y++) {
            for (int x = 0; x < 32; x++) {
                int[] ink = INK[x / 8];
                double rr = ink[0];
                double gg = ink[1];
                double bb = ink[2];
                int luma = (int) Math.round(0.299 * rr + 0.587 * gg + 0.114 * bb);
                int cb = (int) Math.round(128 - 0.168736 * rr - 0.331264 * gg + 0.5 * bb);
                int cr = (int) Math.round(128 + 0.5 * rr - 0.418688 * gg - 0.081312 * bb);
                r.setPixel(x, y, new int[] {clamp(luma), clamp(cb), clamp(cr), 255 - ink[3]});
            }
        }
        byte[] jpeg = TestImages.withJpegSegment(TestImages.rawFourChannelJpeg(r), 0xEE, TestImages.adobeApp14(2));
        assertBars(ImageFiles.decode(jpeg, 1000), "YCCK");
    }

    /**
     * A JPEG tagged with a linear-light RGB profile (sRGB primaries, gamma 1.0): stored (128, 64, 200) means
     * linear (0.502, 0.251, 0.784), which is sRGB (188, 137, 229). Without the profile the same file decodes
     * to about (128, 64, 200), so the test fails if the profile is ignored.
     */
    @Test
    void iccProfileIsConvertedToSrgb() throws Exception {
        byte[] plain = ImageFiles.encode(TestImages.flat(32, 16, 128, 64, 200), ImageFiles.Format.JPEG, 100);
        byte[] tagged = TestImages.withJpegSegment(plain, 0xE2, TestImages.iccApp2(TestImages.linearRgbProfile()));
        int[] untagged = rgb(ImageFiles.decode(plain, 1000), 8, 8);
        assertThat(distance(untagged, new int[] {128, 64, 200})).isLessThanOrEqualTo(2);
        int[] expected = {TestImages.srgb8(untagged[0] / 255.0), TestImages.srgb8(untagged[1] / 255.0),
                TestImages.srgb8(untagged[2] / 255.0)};
        assertThat(distance(expected, new int[] {188, 137, 229})).isLessThanOrEqualTo(2);
        RgbImage img = ImageFiles.decode(tagged, 1000);
        for (int[] p : new int[][] {{0, 0}, {8, 8}, {31, 15}}) {
            assertThat(distance(rgb(img, p[0], p[1]), expected)).as("pixel %s vs %s", java.util.Arrays.toString(
                    rgb(img, p[0], p[1])), java.util.Arrays.toString(expected)).isLessThanOrEqualTo(2);
        }
    }

    /**
     * A camera-style Adobe RGB (1998) JPEG (the profile is TwelveMonkeys' Adobe RGB compatible ClayRGB1998.icc,
     * from its jar): the expected sRGB comes from the published matrices, Adobe RGB to XYZ (D65) to linear sRGB.
     */
    @Test
    void adobeRgbProfileIsConvertedToSrgb() throws Exception {
        byte[] profile;
        try (InputStream in = ImageFiles.class.getResourceAsStream("/profiles/ClayRGB1998.icc")) {
            assertThat(in).as("ClayRGB1998.icc in the TwelveMonkeys jar").isNotNull();
            profile = in.readAllBytes();
        }
        int[] stored = {150, 110, 90};
        byte[] plain = ImageFiles.encode(TestImages.flat(32, 16, stored[0], stored[1], stored[2]), ImageFiles.Format.JPEG, 100);
        int[] untagged = rgb(ImageFiles.decode(plain, 1000), 8, 8);
        byte[] tagged = TestImages.withJpegSegment(plain, 0xE2, TestImages.iccApp2(profile));
        int[] expected = adobeRgbToSrgb(untagged);
        assertThat(distance(expected, stored)).as("the test colour must change visibly").isGreaterThan(8);
        int[] actual = rgb(ImageFiles.decode(tagged, 1000), 8, 8);
        assertThat(distance(actual, expected)).as("%s vs %s", java.util.Arrays.toString(actual),
                java.util.Arrays.toString(expected)).isLessThanOrEqualTo(3);
    }

    private static int[] adobeRgbToSrgb(int[] adobe) {
        double gamma = 563 / 256.0;
        double r = Math.pow(adobe[0] / 255.0, gamma);
        double g = Math.pow(adobe[1] / 255.0, gamma);
        double b = Math.pow(adobe[2] / 255.0, gamma);
        double x = 0.5767309 * r + 0.1855540 * g + 0.1881852 * b;
        double y = 0.2973769 * r + 0.6273491 * g + 0.0752741 * b;
        double z = 0.0270343 * r + 0.0706872 * g + 0.9911085 * b;
        double lr = 3.2404542 * x - 1.5371385 * y - 0.4985314 * z;
        double lg = -0.9692660 * x + 1.8760108 * y + 0.0415560 * z;
        double lb = 0.0556434 * x - 0.2040259 * y + 1.0572252 * z;
        return new int[] {TestImages.srgb8(lr), TestImages.srgb8(lg), TestImages.srgb8(lb)};
    }

    /** A grey JPEG comes out with R = G = B = the stored luma, not passed through AWT's linear grey space. */
    @Test
    void greyJpegIsReplicated() throws Exception {
        BufferedImage grey = new BufferedImage(16, 16, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < 16; y++) {
            for (int x = 0; x < 16; x++) {
                grey.getRaster().setSample(x, y, 0, 100);
            }
        }
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        javax.imageio.ImageIO.write(grey, "jpeg", out);
        RgbImage img = ImageFiles.decode(out.toByteArray(), 1000);
        int[] p = rgb(img, 8, 8);
        assertThat(p[0]).isEqualTo(p[1]).isEqualTo(p[2]);
        assertThat(p[0]).isBetween(98, 102);
    }

    private static int clamp(int v) {
        return Math.max(0, Math.min(255, v));
    }
}
