package dev.step1x.engine.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.step1x.engine.runtime.EngineRuntime;
import java.awt.Transparency;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.WritableRaster;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RgbImageTest {

    @Test
    void bufferedImageAndPngRoundTrip(@TempDir Path dir) throws Exception {
        RgbImage src = PillowResizeTest.random(13, 7, 9);
        BufferedImage bi = src.toBufferedImage();
        assertThat(bi.getRGB(2, 3) & 0xFFFFFF).isEqualTo((src.get(2, 3, 0) << 16) | (src.get(2, 3, 1) << 8) | src.get(2, 3, 2));
        assertThat(RgbImage.fromBufferedImage(bi)).isEqualTo(src);
        Path png = dir.resolve("x.png");
        src.writePng(png);
        assertThat(RgbImage.read(png)).isEqualTo(src);
    }

    @Test
    void greyAndAlphaConvertLikePillow() {
        BufferedImage grey = new BufferedImage(3, 2, BufferedImage.TYPE_BYTE_GRAY);
        grey.getRaster().setSample(1, 1, 0, 100);
        RgbImage g = RgbImage.fromBufferedImage(grey);
        assertThat(g.get(1, 1, 0)).isEqualTo(100);
        assertThat(g.get(1, 1, 1)).isEqualTo(100);
        assertThat(g.get(1, 1, 2)).isEqualTo(100);
        BufferedImage argb = new BufferedImage(2, 1, BufferedImage.TYPE_INT_ARGB);
        argb.setRGB(0, 0, 0x10203040);
        RgbImage a = RgbImage.fromBufferedImage(argb);
        assertThat(new int[] {a.get(0, 0, 0), a.get(0, 0, 1), a.get(0, 0, 2)}).containsExactly(0x20, 0x30, 0x40);
        BufferedImage abgr = new BufferedImage(2, 1, BufferedImage.TYPE_4BYTE_ABGR);
        abgr.setRGB(1, 0, 0x7F0A0B0C);
        RgbImage b = RgbImage.fromBufferedImage(abgr);
        assertThat(new int[] {b.get(1, 0, 0), b.get(1, 0, 1), b.get(1, 0, 2)}).containsExactly(0x0A, 0x0B, 0x0C);
        // 16-bit RGB keeps the high byte of each sample
        ComponentColorModel cm16 = new ComponentColorModel(ColorSpace.getInstance(ColorSpace.CS_sRGB),
                new int[] {16, 16, 16}, false, false, Transparency.OPAQUE, DataBuffer.TYPE_USHORT);
        WritableRaster r16 = cm16.createCompatibleWritableRaster(1, 1);
        r16.setPixel(0, 0, new int[] {0x12FF, 0xAB01, 0x0080});
        RgbImage c = RgbImage.fromBufferedImage(new BufferedImage(cm16, r16, false, null));
        assertThat(new int[] {c.get(0, 0, 0), c.get(0, 0, 1), c.get(0, 0, 2)}).containsExactly(0x12, 0xAB, 0x00);
    }

    @Test
    void ndArrayLayouts() {
        EngineRuntime runtime = EngineRuntime.startDefault();
        try (NDManager m = runtime.newManager()) {
            RgbImage src = PillowResizeTest.random(5, 4, 11);
            NDArray hwc = src.toHwc(m);
            assertThat(hwc.getShape()).isEqualTo(new Shape(4, 5, 3));
            assertThat(hwc.getDataType()).isEqualTo(DataType.UINT8);
            NDArray chw = src.toChw(m);
            assertThat(chw.getShape()).isEqualTo(new Shape(3, 4, 5));
            assertThat(chw.toByteArray()).isEqualTo(hwc.transpose(2, 0, 1).toByteArray());
            assertThat(RgbImage.fromHwc(hwc)).isEqualTo(src);
            assertThat(RgbImage.fromChw(chw)).isEqualTo(src);
            assertThat(RgbImage.fromChw(chw.expandDims(0))).isEqualTo(src);
            assertThat(RgbImage.fromHwc(hwc.toType(DataType.INT32, true))).isEqualTo(src);
            assertThatThrownBy(() -> RgbImage.fromHwc(m.create(new int[] {256, 0, 0}, new Shape(1, 1, 3))))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("outside 0..255");
            assertThatThrownBy(() -> RgbImage.fromHwc(chw)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> RgbImage.fromHwc(hwc.toType(DataType.FLOAT32, true)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("float32");
        }
    }
}
