package dev.step1x.engine.image;

import static dev.step1x.engine.image.TestImages.distance;
import static dev.step1x.engine.image.TestImages.resource;
import static dev.step1x.engine.image.TestImages.rgb;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.step1x.engine.image.ImageFiles.ImageRejectedException;
import dev.step1x.engine.image.ImageFiles.ImageRejectedException.Reason;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * WebP input through the TwelveMonkeys reader, on the fixtures in {@code src/test/resources/images/} (made with
 * libwebp's cwebp; their README gives the patterns checked here).
 */
class ImageFilesWebpTest {

    /** The pattern of the lossless fixtures: R = 5x, G = 7y, B = 3x + 5y (each mod 256). */
    private static int[] ramp(int x, int y) {
        return new int[] {(x * 5) & 255, (y * 7) & 255, (x * 3 + y * 5) & 255};
    }

    @Test
    void losslessDecodesExactly() throws Exception {
        byte[] webp = resource("lossless-48x32.webp");
        assertThat(ImageFiles.probe(webp)).isEqualTo(new ImageFiles.Probe(ImageFiles.Format.WEBP, 48, 32));
        RgbImage img = ImageFiles.decode(webp, 10_000);
        assertThat(img.width()).isEqualTo(48);
        assertThat(img.height()).isEqualTo(32);
        for (int y = 0; y < 32; y++) {
            for (int x = 0; x < 48; x++) {
                assertThat(rgb(img, x, y)).as("pixel (%d, %d)", x, y).containsExactly(ramp(x, y));
            }
        }
    }

    /**
     * Alpha is dropped, not composited: the fixture's left third is fully transparent, the middle third half
     * transparent, and every pixel still has the colour stored under it (cwebp -exact keeps it).
     */
    @Test
    void losslessWithAlphaKeepsTheStoredColourUnderTransparentPixels() throws Exception {
        RgbImage img = ImageFiles.decode(resource("lossless-alpha-48x32.webp"), 10_000);
        for (int y = 0; y < 32; y++) {
            for (int x = 0; x < 48; x++) {
                assertThat(rgb(img, x, y)).as("pixel (%d, %d)", x, y).containsExactly(ramp(x, y));
            }
        }
    }

    /**
     * Lossy frames decode to within a few levels of libwebp decoding without its "fancy" chroma upsampling
     * ({@code dwebp -nofancy}; TwelveMonkeys' VP8 decoder, an independent implementation, upsamples chroma by
     * repeating it). Against libwebp's default output, which Pillow gets, pixels along sharp colour edges
     * differ by much more; the mean stays small. Both references are committed next to each fixture.
     */
    @Test
    void lossyDecodesCloseToLibwebp() throws Exception {
        for (String name : new String[] {"lossy-64x64", "lossy-alpha-64x64", "lossy-gradient-64x48"}) {
            RgbImage img = ImageFiles.decode(resource(name + ".webp"), 10_000);
            double[] noFancy = difference(img, ImageFiles.decode(resource(name + ".libwebp-nofancy.png"), 10_000));
            assertThat(noFancy[0]).as(name + ": largest difference to dwebp -nofancy").isLessThanOrEqualTo(6);
            assertThat(noFancy[1]).as(name + ": mean difference to dwebp -nofancy").isLessThan(1.5);
            double[] fancy = difference(img, ImageFiles.decode(resource(name + ".libwebp.png"), 10_000));
            assertThat(fancy[1]).as(name + ": mean difference to dwebp").isLessThan(4);
        }
    }

    /** {largest, mean} per-pixel difference (largest over channels). */
    private static double[] difference(RgbImage a, RgbImage b) {
        assertThat(a.width()).isEqualTo(b.width());
        assertThat(a.height()).isEqualTo(b.height());
        int worst = 0;
        long sum = 0;
        for (int y = 0; y < a.height(); y++) {
            for (int x = 0; x < a.width(); x++) {
                int d = distance(rgb(a, x, y), rgb(b, x, y));
                worst = Math.max(worst, d);
                sum += d;
            }
        }
        return new double[] {worst, sum / (double) (a.width() * a.height())};
    }

    /** The quadrant fixtures hold red, green, blue and grey; the alpha one is 25% opaque on its right half. */
    @Test
    void lossyColoursAreRightAndAlphaIsNotComposited() throws Exception {
        int[][] quadrants = {{220, 30, 30}, {30, 200, 40}, {20, 40, 210}, {128, 128, 128}};
        for (String name : new String[] {"lossy-64x64.webp", "lossy-alpha-64x64.webp"}) {
            RgbImage img = ImageFiles.decode(resource(name), 10_000);
            for (int q = 0; q < 4; q++) {
                int x = q % 2 == 0 ? 16 : 48;
                int y = q < 2 ? 16 : 48;
                assertThat(distance(rgb(img, x, y), quadrants[q])).as("%s quadrant %d", name, q).isLessThanOrEqualTo(6);
            }
        }
    }

    /** The fixture is stored 32x16 (R = 8x, G = 16y, B = 77) with EXIF orientation 6 added by exiftool. */
    @Test
    void exifOrientationInAWebpIsApplied() throws Exception {
        byte[] webp = resource("orientation-6-32x16.webp");
        assertThat(ImageFiles.probe(webp)).isEqualTo(new ImageFiles.Probe(ImageFiles.Format.WEBP, 16, 32));
        RgbImage img = ImageFiles.decode(webp, 10_000);
        assertThat(img.width()).isEqualTo(16);
        assertThat(img.height()).isEqualTo(32);
        // turned 90 degrees clockwise: the stored bottom-left corner is shown top-left, the stored top-left top-right
        assertThat(rgb(img, 0, 0)).containsExactly(0, 15 * 16 & 255, 77);
        assertThat(rgb(img, 15, 0)).containsExactly(0, 0, 77);
        for (int y = 0; y < 32; y++) {
            for (int x = 0; x < 16; x++) {
                int sx = y;
                int sy = 15 - x;
                assertThat(rgb(img, x, y)).containsExactly((sx * 8) & 255, (sy * 16) & 255, 77);
            }
        }
    }

    /** An ICCP chunk with a linear-light profile: a stored 0.5 is linear 0.5, sRGB 188. */
    @Test
    void iccProfileInAWebpIsConvertedToSrgb() throws Exception {
        byte[] plain = resource("lossless-48x32.webp");
        byte[] withIcc = TestImages.riffWebp(TestImages.vp8x(0x20, 48, 32),
                TestImages.riffChunk("ICCP", TestImages.linearRgbProfile()), TestImages.imageChunk(plain));
        RgbImage img = ImageFiles.decode(withIcc, 10_000);
        for (int[] p : new int[][] {{0, 0}, {10, 20}, {47, 31}, {25, 3}}) {
            int[] stored = ramp(p[0], p[1]);
            int[] expected = {TestImages.srgb8(stored[0] / 255.0), TestImages.srgb8(stored[1] / 255.0),
                    TestImages.srgb8(stored[2] / 255.0)};
            assertThat(distance(rgb(img, p[0], p[1]), expected)).as("pixel %d,%d", p[0], p[1]).isLessThanOrEqualTo(2);
        }
    }

    @Test
    void animatedWebpIsRefused() throws Exception {
        byte[] frame = TestImages.imageChunk(resource("lossless-48x32.webp"));
        byte[] anmfHeader = {0, 0, 0, 0, 0, 0, 47, 0, 0, 31, 0, 0, 100, 0, 0, 0};
        byte[] animated = TestImages.riffWebp(TestImages.vp8x(0x02, 48, 32),
                TestImages.riffChunk("ANIM", new byte[] {0, 0, 0, 0, 0, 0}),
                TestImages.riffChunk("ANMF", TestImages.concat(anmfHeader, frame)));
        assertThatThrownBy(() -> ImageFiles.decode(animated, 10_000))
                .isInstanceOf(ImageRejectedException.class).hasMessageContaining("animated WebP")
                .satisfies(e -> assertThat(((ImageRejectedException) e).reason()).isEqualTo(Reason.UNSUPPORTED_FORMAT));
    }

    @Test
    void riffFilesThatAreNotWebpAreUnsupported() {
        byte[] wav = "RIFF\4\0\0\0WAVEfmt ".getBytes(StandardCharsets.ISO_8859_1);
        assertThatThrownBy(() -> ImageFiles.probe(wav)).hasMessageContaining("RIFF file that is not WebP")
                .satisfies(e -> assertThat(((ImageRejectedException) e).reason()).isEqualTo(Reason.UNSUPPORTED_FORMAT));
    }
}
