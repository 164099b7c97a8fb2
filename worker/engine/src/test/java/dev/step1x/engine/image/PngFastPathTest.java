package dev.step1x.engine.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.zip.CRC32;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

/**
 * The PNG path without ImageIO gives exactly the samples of the ImageIO path, for files ImageIO's own writer makes
 * (adaptive filters: every filter type occurs), RGB and RGBA; it leaves other kinds to ImageIO and refuses image
 * data that does not inflate to the declared rows.
 */
class PngFastPathTest {

    static byte[] imageIoPng(int w, int h, int type, long seed) throws Exception {
        BufferedImage img = new BufferedImage(w, h, type);
        Random r = new Random(seed);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                // smooth areas, edges and noise, so the writer picks every filter somewhere
                int base = (x * 7 + y * 3) & 0xff;
                int noise = (x / 8 + y / 8) % 3 == 0 ? r.nextInt(256) : 0;
                int argb = (r.nextInt(256) << 24) | ((base + noise) & 0xff) << 16 | ((y * 5) & 0xff) << 8 | (x ^ y) & 0xff;
                img.setRGB(x, y, argb);
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertThat(ImageIO.write(img, "png", out)).isTrue();
        return out.toByteArray();
    }

    @Test
    void givesTheSamplesOfTheImageIoPath() throws Exception {
        int[][] sizes = {{1, 1}, {5, 3}, {64, 48}, {257, 129}};
        for (int type : new int[] {BufferedImage.TYPE_INT_RGB, BufferedImage.TYPE_4BYTE_ABGR}) {
            for (int[] s : sizes) {
                byte[] png = imageIoPng(s[0], s[1], type, s[0] * 31L + type);
                RgbImage viaImageIo = RgbImage.fromBufferedImage(ImageIO.read(new ByteArrayInputStream(png)));
                RgbImage fast = PngFastPath.decode(png);
                assertThat(fast).as("type %d, %dx%d", type, s[0], s[1]).isNotNull().isEqualTo(viaImageIo);
                assertThat(ImageFiles.decode(png, 1L << 24)).isEqualTo(viaImageIo);
            }
        }
    }

    @Test
    void leavesOtherKindsToImageIo() throws Exception {
        for (int type : new int[] {BufferedImage.TYPE_BYTE_GRAY, BufferedImage.TYPE_BYTE_INDEXED,
            BufferedImage.TYPE_USHORT_GRAY}) {
            byte[] png = imageIoPng(20, 10, type, type);
            assertThat(PngFastPath.decode(png)).as("type " + type).isNull();
            assertThat(ImageFiles.decode(png, 1L << 24).width()).isEqualTo(20);
        }
    }

    @Test
    void imageDataThatDoesNotInflateToTheRowsIsCorrupt() throws Exception {
        byte[] good = imageIoPng(16, 16, BufferedImage.TYPE_INT_RGB, 3);
        // the same header with an IDAT of valid CRC but too little data, then garbage that is no zlib stream
        byte[] shortData = png(16, 16, new byte[] {0x78, 0x01, 0x63, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01});
        assertThatThrownBy(() -> ImageFiles.decode(shortData, 1L << 20))
                .isInstanceOf(ImageFiles.ImageRejectedException.class)
                .hasMessageContaining("PNG file is truncated or corrupt").hasMessageContaining("inflates to");
        byte[] garbage = png(16, 16, new byte[] {0x78, 0x01, (byte) 0xff, (byte) 0xff, 0x12, 0x34});
        assertThatThrownBy(() -> ImageFiles.decode(garbage, 1L << 20))
                .isInstanceOf(ImageFiles.ImageRejectedException.class).hasMessageContaining("does not inflate");
        assertThat(ImageFiles.decode(good, 1L << 20).width()).isEqualTo(16);
    }

    /** An 8-bit RGB PNG of {@code w x h} whose one IDAT chunk holds {@code idat}. */
    static byte[] png(int w, int h, byte[] idat) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
        chunk(out, "IHDR", ByteBuffer.allocate(13).putInt(w).putInt(h).put((byte) 8).put((byte) 2).put((byte) 0)
                .put((byte) 0).put((byte) 0).array());
        chunk(out, "IDAT", idat);
        chunk(out, "IEND", new byte[0]);
        return out.toByteArray();
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
