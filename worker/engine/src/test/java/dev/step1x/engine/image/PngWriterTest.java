package dev.step1x.engine.image;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

/** The PNG encoder is lossless and writes files that the engine's decoder and ImageIO read back exactly. */
class PngWriterTest {

    static RgbImage noise(int w, int h, long seed) {
        byte[] d = new byte[w * h * 3];
        new Random(seed).nextBytes(d);
        return new RgbImage(w, h, d);
    }

    static RgbImage gradient(int w, int h) {
        byte[] d = new byte[w * h * 3];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int i = (y * w + x) * 3;
                d[i] = (byte) (x * 255 / Math.max(1, w - 1));
                d[i + 1] = (byte) (y * 255 / Math.max(1, h - 1));
                d[i + 2] = (byte) ((x ^ y) & 0xff);
            }
        }
        return new RgbImage(w, h, d);
    }

    @Test
    void roundTripsExactlyThroughTheEnginesDecoderAndImageIo() throws Exception {
        // 1x1, odd widths, one row, and noise big enough for several IDAT chunks
        RgbImage[] images = {noise(1, 1, 1), noise(7, 3, 2), noise(333, 1, 3), gradient(1, 257), gradient(640, 480),
            noise(300, 200, 4)};
        for (RgbImage img : images) {
            byte[] png = ImageFiles.encode(img, ImageFiles.Format.PNG, 0);
            assertThat(ImageFiles.probe(png)).isEqualTo(new ImageFiles.Probe(ImageFiles.Format.PNG, img.width(),
                    img.height()));
            assertThat(ImageFiles.decode(png, 1L << 24)).as(img.toString()).isEqualTo(img);
            assertThat(RgbImage.fromBufferedImage(ImageIO.read(new java.io.ByteArrayInputStream(png))))
                    .isEqualTo(img);
        }
    }

    @Test
    void compressesWhatIsCompressible() throws Exception {
        RgbImage g = gradient(512, 512);
        byte[] png = ImageFiles.encode(g, ImageFiles.Format.PNG, 0);
        assertThat(png.length).isLessThan(g.data().length / 4);
        byte[] n = ImageFiles.encode(noise(300, 200, 5), ImageFiles.Format.PNG, 0);
        assertThat(n.length).as("noise does not compress; stored data plus framing").isGreaterThan(300 * 200 * 3);
    }

    @Test
    void everyZlibLevelIsLosslessAndLevelZeroStoresTheRows() throws Exception {
        RgbImage g = gradient(200, 100);
        byte[] stored = ImageEncoding.png(0).encode(g);
        byte[] fast = ImageEncoding.png(1).encode(g);
        byte[] best = ImageEncoding.png(9).encode(g);
        for (byte[] png : new byte[][] {stored, fast, best}) {
            assertThat(ImageFiles.decode(png, 1L << 20)).isEqualTo(g);
        }
        assertThat(stored.length).isGreaterThan(200 * 100 * 3).isGreaterThan(fast.length);
        assertThat(best.length).isLessThanOrEqualTo(fast.length);
        assertThat(ImageEncoding.PNG.level()).isEqualTo(1);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ImageEncoding.png(10))
                .hasMessageContaining("zlib level must be 0..9");
    }
}
