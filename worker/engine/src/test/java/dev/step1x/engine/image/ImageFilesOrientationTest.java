package dev.step1x.engine.image;

import static dev.step1x.engine.image.TestImages.distance;
import static dev.step1x.engine.image.TestImages.rgb;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.step1x.engine.image.ImageFiles.ImageRejectedException;
import dev.step1x.engine.image.ImageFiles.ImageRejectedException.Reason;
import java.awt.geom.AffineTransform;
import java.awt.image.AffineTransformOp;
import java.awt.image.BufferedImage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** EXIF orientation: decoded images come out as displayed, and the probe reports the displayed size. */
class ImageFilesOrientationTest {

    /** 64x32 stored: eight 16x16 blocks of distinct flat colours, block (bx, by) = COLOURS[by * 4 + bx]. */
    private static final int[][] COLOURS = {{230, 20, 20}, {20, 230, 20}, {20, 20, 230}, {230, 230, 20},
            {20, 230, 230}, {230, 20, 230}, {240, 240, 240}, {20, 20, 20}};

    private static RgbImage blocks() {
        byte[] d = new byte[64 * 32 * 3];
        for (int y = 0; y < 32; y++) {
            for (int x = 0; x < 64; x++) {
                int[] c = COLOURS[(y / 16) * 4 + x / 16];
                int o = (y * 64 + x) * 3;
                d[o] = (byte) c[0];
                d[o + 1] = (byte) c[1];
                d[o + 2] = (byte) c[2];
            }
        }
        return new RgbImage(64, 32, d);
    }

    private static byte[] jpegWithOrientation(int orientation, boolean littleEndian) throws Exception {
        byte[] jpeg = ImageFiles.encode(blocks(), ImageFiles.Format.JPEG, 95);
        return TestImages.withJpegSegment(jpeg, 0xE1, TestImages.exifApp1(orientation, littleEndian));
    }

    /** The colour of the stored block under the centre of each displayed 16x16 block. */
    private static void assertBlocks(RgbImage img, int[][] expectedBlockColours, String what) {
        int cols = img.width() / 16;
        for (int i = 0; i < expectedBlockColours.length; i++) {
            int x = (i % cols) * 16 + 8;
            int y = (i / cols) * 16 + 8;
            assertThat(distance(rgb(img, x, y), expectedBlockColours[i])).as("%s block %d", what, i).isLessThanOrEqualTo(10);
        }
    }

    /**
     * Orientation 6, "turned 90 degrees clockwise": the stored left column of blocks becomes the displayed top
     * row, read from bottom to top; the displayed image is 32x64.
     */
    @Test
    void orientation6TurnsClockwise() throws Exception {
        for (boolean little : new boolean[] {false, true}) {
            byte[] jpeg = jpegWithOrientation(6, little);
            assertThat(ImageFiles.probe(jpeg)).isEqualTo(new ImageFiles.Probe(ImageFiles.Format.JPEG, 32, 64));
            RgbImage img = ImageFiles.decode(jpeg, 10_000);
            assertThat(img.width()).isEqualTo(32);
            assertThat(img.height()).isEqualTo(64);
            // displayed rows (2 blocks each), top to bottom: stored columns 0..3, each read bottom-up
            assertBlocks(img, new int[][] {COLOURS[4], COLOURS[0], COLOURS[5], COLOURS[1], COLOURS[6], COLOURS[2],
                    COLOURS[7], COLOURS[3]}, "orientation 6");
        }
    }

    /** Orientation 8, "turned 90 degrees counter-clockwise": the stored right column becomes the top row. */
    @Test
    void orientation8TurnsCounterClockwise() throws Exception {
        byte[] jpeg = jpegWithOrientation(8, false);
        assertThat(ImageFiles.probe(jpeg)).isEqualTo(new ImageFiles.Probe(ImageFiles.Format.JPEG, 32, 64));
        RgbImage img = ImageFiles.decode(jpeg, 10_000);
        assertThat(img.width()).isEqualTo(32);
        assertThat(img.height()).isEqualTo(64);
        assertBlocks(img, new int[][] {COLOURS[3], COLOURS[7], COLOURS[2], COLOURS[6], COLOURS[1], COLOURS[5],
                COLOURS[0], COLOURS[4]}, "orientation 8");
    }

    /** Orientation 3, "turned 180 degrees": same size, everything reversed. */
    @Test
    void orientation3TurnsHalfway() throws Exception {
        byte[] jpeg = jpegWithOrientation(3, true);
        assertThat(ImageFiles.probe(jpeg)).isEqualTo(new ImageFiles.Probe(ImageFiles.Format.JPEG, 64, 32));
        RgbImage img = ImageFiles.decode(jpeg, 10_000);
        assertBlocks(img, new int[][] {COLOURS[7], COLOURS[6], COLOURS[5], COLOURS[4], COLOURS[3], COLOURS[2],
                COLOURS[1], COLOURS[0]}, "orientation 3");
    }

    /** The pixel limit applies to the displayed size, and the message shows it. */
    @Test
    void pixelLimitMessageUsesTheDisplayedSize() throws Exception {
        byte[] jpeg = jpegWithOrientation(6, false);
        assertThatThrownBy(() -> ImageFiles.decode(jpeg, 64 * 32 - 1))
                .isInstanceOf(ImageRejectedException.class).hasMessageContaining("32x64")
                .satisfies(e -> assertThat(((ImageRejectedException) e).reason()).isEqualTo(Reason.TOO_MANY_PIXELS));
        assertThat(ImageFiles.decode(jpeg, 64 * 32).width()).isEqualTo(32);
    }

    /**
     * Every orientation on a lossless PNG ({@code eXIf} chunk), against AWT's affine transforms built from the
     * EXIF definitions (where the stored row 0 and column 0 are shown).
     */
    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 4, 5, 6, 7, 8})
    void everyOrientationMatchesItsAffineTransform(int orientation) throws Exception {
        RgbImage stored = TestImages.random(7, 4, 40 + orientation);
        byte[] png = TestImages.withPngChunk(ImageFiles.encode(stored, ImageFiles.Format.PNG, 0), "eXIf",
                TestImages.exifTiff(orientation, orientation % 2 == 0));
        int w = 7;
        int h = 4;
        AffineTransform t = switch (orientation) {
            case 1 -> new AffineTransform();
            case 2 -> new AffineTransform(-1, 0, 0, 1, w, 0); // mirrored left-right
            case 3 -> new AffineTransform(-1, 0, 0, -1, w, h); // turned 180 degrees
            case 4 -> new AffineTransform(1, 0, 0, -1, 0, h); // mirrored top-bottom
            case 5 -> new AffineTransform(0, 1, 1, 0, 0, 0); // x' = y, y' = x
            case 6 -> new AffineTransform(0, 1, -1, 0, h, 0); // x' = h - y, y' = x: clockwise
            case 7 -> new AffineTransform(0, -1, -1, 0, h, w); // x' = h - y, y' = w - x
            default -> new AffineTransform(0, -1, 1, 0, 0, w); // x' = y, y' = w - x: counter-clockwise
        };
        BufferedImage expected = new AffineTransformOp(t, AffineTransformOp.TYPE_NEAREST_NEIGHBOR)
                .filter(stored.toBufferedImage(), null);
        RgbImage img = ImageFiles.decode(png, 1000);
        assertThat(ImageFiles.probe(png)).isEqualTo(new ImageFiles.Probe(ImageFiles.Format.PNG, img.width(), img.height()));
        assertThat(img.width()).isEqualTo(orientation >= 5 ? h : w);
        assertThat(img.height()).isEqualTo(orientation >= 5 ? w : h);
        assertThat(img).isEqualTo(RgbImage.fromBufferedImage(expected.getSubimage(0, 0, img.width(), img.height())));
    }

    /** Damaged or absurd EXIF is metadata, not image data: the image is decoded as stored. */
    @Test
    void unusableExifIsIgnored() throws Exception {
        RgbImage stored = TestImages.random(5, 3, 3);
        byte[] png = ImageFiles.encode(stored, ImageFiles.Format.PNG, 0);
        byte[] badValue = TestImages.withPngChunk(png, "eXIf", TestImages.exifTiff(9, false));
        byte[] cutTiff = TestImages.withPngChunk(png, "eXIf", java.util.Arrays.copyOf(TestImages.exifTiff(6, false), 12));
        byte[] notTiff = TestImages.withPngChunk(png, "eXIf", "hello, world".getBytes());
        for (byte[] f : new byte[][] {badValue, cutTiff, notTiff}) {
            assertThat(ImageFiles.decode(f, 1000)).isEqualTo(stored);
        }
    }
}
