package dev.step1x.engine.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.step1x.engine.image.ImageFiles.ImageRejectedException;
import dev.step1x.engine.image.ImageFiles.ImageRejectedException.Reason;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.CRC32;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageFilesTest {

    private static RgbImage gradient(int w, int h) {
        byte[] d = new byte[w * h * 3];
        for (int i = 0; i < d.length; i++) {
            d[i] = (byte) (i * 7);
        }
        return new RgbImage(w, h, d);
    }

    @Test
    void pngRoundTripsExactlyAndJpegDecodes() throws Exception {
        RgbImage img = gradient(33, 17);
        byte[] png = ImageFiles.encode(img, ImageFiles.Format.PNG, 0);
        assertThat(ImageFiles.probe(png)).isEqualTo(new ImageFiles.Probe(ImageFiles.Format.PNG, 33, 17));
        assertThat(ImageFiles.decode(png, 10_000)).isEqualTo(img);
        byte[] jpg = ImageFiles.encode(img, ImageFiles.Format.JPEG, 90);
        assertThat(ImageFiles.probe(jpg).format()).isEqualTo(ImageFiles.Format.JPEG);
        RgbImage back = ImageFiles.decode(jpg, 10_000);
        assertThat(back.width()).isEqualTo(33);
        assertThat(back.height()).isEqualTo(17);
    }

    /** A 60-byte PNG whose header claims 100000 x 100000 pixels is refused from the header alone. */
    @Test
    void pixelBombIsRejectedBeforeDecoding() throws Exception {
        byte[] png = ImageFiles.encode(gradient(2, 2), ImageFiles.Format.PNG, 0);
        // IHDR data starts at byte 16 (8 signature + 4 length + 4 "IHDR"); CRC covers type + data (17 bytes)
        ByteBuffer b = ByteBuffer.wrap(png);
        b.putInt(16, 100_000).putInt(20, 100_000);
        CRC32 crc = new CRC32();
        crc.update(png, 12, 17);
        b.putInt(29, (int) crc.getValue());
        assertThat(ImageFiles.probe(png).pixels()).isEqualTo(10_000_000_000L);
        assertThatThrownBy(() -> ImageFiles.decode(png, 50_000_000))
                .isInstanceOf(ImageRejectedException.class)
                .hasMessageContaining("100000x100000").hasMessageContaining("more than the limit")
                .satisfies(e -> assertThat(((ImageRejectedException) e).reason()).isEqualTo(Reason.TOO_MANY_PIXELS));
    }

    @Test
    void unsupportedAndCorruptInputsHaveTheirOwnReasons() throws Exception {
        byte[] gif = "GIF89a....".getBytes();
        assertThatThrownBy(() -> ImageFiles.probe(gif)).hasMessageContaining("GIF")
                .hasMessageContaining("PNG, JPEG and WebP are accepted")
                .satisfies(e -> assertThat(((ImageRejectedException) e).reason()).isEqualTo(Reason.UNSUPPORTED_FORMAT));
        assertThatThrownBy(() -> ImageFiles.probe("BM......".getBytes())).hasMessageContaining("BMP");
        assertThatThrownBy(() -> ImageFiles.probe("\0\0\0\u0018ftypheic....".getBytes())).hasMessageContaining("HEIF");
        assertThatThrownBy(() -> ImageFiles.probe(new byte[0])).hasMessageContaining("empty file");
        // a WebP signature with nothing behind it is a WebP, and a corrupt one
        byte[] webp = "RIFF\0\0\0\0WEBPVP8 ".getBytes();
        assertThatThrownBy(() -> ImageFiles.decode(webp, 10_000)).hasMessageContaining("WebP")
                .satisfies(e -> assertThat(((ImageRejectedException) e).reason()).isEqualTo(Reason.CORRUPT));
        byte[] png = ImageFiles.encode(gradient(20, 20), ImageFiles.Format.PNG, 0);
        byte[] cut = Arrays.copyOf(png, 40);
        assertThatThrownBy(() -> ImageFiles.decode(cut, 10_000))
                .satisfies(e -> assertThat(((ImageRejectedException) e).reason()).isEqualTo(Reason.CORRUPT));
    }

    @Test
    void webpIsAnInputFormatOnly() {
        assertThat(ImageFiles.Format.WEBP.contentType()).isEqualTo("image/webp");
        assertThatThrownBy(() -> ImageFiles.encode(gradient(2, 2), ImageFiles.Format.WEBP, 90))
                .isInstanceOf(IllegalArgumentException.class);
    }

    /** A path goes through the same decoding, and a refusal names the file. */
    @Test
    void filesAreReadThroughTheSamePath(@TempDir Path dir) throws Exception {
        RgbImage img = gradient(9, 4);
        Path ok = Files.write(dir.resolve("ok.png"), ImageFiles.encode(img, ImageFiles.Format.PNG, 0));
        assertThat(RgbImage.read(ok)).isEqualTo(img);
        byte[] jpeg = ImageFiles.encode(img, ImageFiles.Format.JPEG, 90);
        Path cut = Files.write(dir.resolve("cut.jpg"), Arrays.copyOf(jpeg, jpeg.length - 20));
        assertThatThrownBy(() -> RgbImage.read(cut)).isInstanceOf(ImageRejectedException.class)
                .hasMessageStartingWith(cut.toString()).hasMessageContaining("truncated");
        assertThatThrownBy(() -> ImageFiles.read(ok, 35)).hasMessageContaining("more than the limit of 35");
    }

    /**
     * ImageIO's disk cache is off once the class is loaded, and decoding and encoding do not depend on it: with
     * the cache switched back on and pointed at a directory that no longer exists, an ImageIO stream that used
     * the cache could not be created, yet decode and encode work.
     */
    @Test
    void noDiskCache(@TempDir Path dir) throws Exception {
        byte[] png = ImageFiles.encode(gradient(8, 8), ImageFiles.Format.PNG, 0);
        assertThat(ImageIO.getUseCache()).isFalse();
        Path gone = Files.createDirectory(dir.resolve("cache"));
        ImageIO.setCacheDirectory(gone.toFile());
        ImageIO.setUseCache(true);
        try {
            Files.delete(gone);
            assertThatThrownBy(() -> ImageIO.createImageInputStream(new ByteArrayInputStream(png)))
                    .as("the trap works: a cached stream cannot be made")
                    .isInstanceOfAny(IOException.class, IllegalArgumentException.class);
            assertThat(ImageFiles.decode(png, 100)).isEqualTo(gradient(8, 8));
            assertThat(ImageFiles.decode(TestImages.resource("lossless-48x32.webp"), 10_000).width()).isEqualTo(48);
            assertThat(ImageFiles.decode(ImageFiles.encode(gradient(8, 8), ImageFiles.Format.JPEG, 90), 100).width())
                    .isEqualTo(8);
        } finally {
            ImageIO.setUseCache(false);
            ImageIO.setCacheDirectory(null);
        }
    }
}
