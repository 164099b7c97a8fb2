package dev.step1x.engine.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.step1x.engine.image.ImageFiles.ImageRejectedException;
import dev.step1x.engine.image.ImageFiles.ImageRejectedException.Reason;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;

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
                .satisfies(e -> assertThat(((ImageRejectedException) e).reason()).isEqualTo(Reason.UNSUPPORTED_FORMAT));
        byte[] webp = "RIFF\0\0\0\0WEBPVP8 ".getBytes();
        assertThatThrownBy(() -> ImageFiles.probe(webp)).hasMessageContaining("WebP");
        assertThatThrownBy(() -> ImageFiles.probe(new byte[0])).hasMessageContaining("empty file");
        byte[] png = ImageFiles.encode(gradient(20, 20), ImageFiles.Format.PNG, 0);
        byte[] cut = Arrays.copyOf(png, 40);
        assertThatThrownBy(() -> ImageFiles.decode(cut, 10_000))
                .satisfies(e -> assertThat(((ImageRejectedException) e).reason()).isEqualTo(Reason.CORRUPT));
    }
}
