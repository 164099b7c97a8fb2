package dev.step1x.worker.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.step1x.contracts.ErrorCode;
import dev.step1x.engine.image.ImageFiles;
import dev.step1x.engine.image.RgbImage;
import dev.step1x.worker.config.LimitsProperties;
import dev.step1x.worker.support.Images;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class InputInspectorTest {

    static InputInspector inspector(List<String> formats) {
        return new InputInspector(new InputInspector.Settings(2048L * 2048, formats));
    }

    static ErrorCode codeOf(InputInspector i, byte[] bytes) {
        try {
            i.inspect(bytes);
            return null;
        } catch (RequestFailure f) {
            return f.code();
        }
    }

    static RequestFailure failureOf(InputInspector i, byte[] bytes) {
        try {
            i.inspect(bytes);
            throw new AssertionError("accepted");
        } catch (RequestFailure f) {
            return f;
        }
    }

    @Test
    void decodesAllowedFormats() throws Exception {
        InputInspector i = inspector(List.of("png", "jpeg", "webp"));
        assertThat(i.inspect(Images.sample(Images.LANDSCAPE_PNG)).width()).isEqualTo(320);
        assertThat(i.inspect(Images.sample(Images.PORTRAIT_JPEG)).height()).isEqualTo(360);
        RgbImage webp = i.inspect(Images.sample(Images.LOSSLESS_WEBP));
        assertThat(webp.width()).isEqualTo(48);
        assertThat(webp.height()).isEqualTo(32);
        assertThat(new int[] {webp.get(10, 20, 0), webp.get(10, 20, 1), webp.get(10, 20, 2)})
                .containsExactly(50, 140, 130);
    }

    /** Files that cost far more to decode than their size: refused before decoding, each with its reason. */
    @Test
    void scanAndDecompressionBombsAreUnsupportedFormats() throws Exception {
        InputInspector i = new InputInspector(new LimitsProperties().toInspectorSettings());
        RequestFailure scans = failureOf(i, Images.jpegScanBomb(300));
        assertThat(scans.code()).isEqualTo(ErrorCode.UNSUPPORTED_FORMAT);
        assertThat(scans.getMessage()).contains("more than 100 scans");
        RequestFailure text = failureOf(i, Images.pngMetadataBomb("zTXt", 64 << 20));
        assertThat(text.code()).isEqualTo(ErrorCode.UNSUPPORTED_FORMAT);
        assertThat(text.getMessage()).contains("'zTXt' chunk").contains("decompression bomb");
        RequestFailure icc = failureOf(i, Images.pngMetadataBomb("iCCP", 32 << 20));
        assertThat(icc.getMessage()).contains("'iCCP' chunk").contains("decompression bomb");

        LimitsProperties strictLimits = new LimitsProperties();
        strictLimits.setMaxJpegScans(2);
        strictLimits.setDecodeTimeBudget(java.time.Duration.ofMillis(1));
        InputInspector.Settings strict = strictLimits.toInspectorSettings();
        assertThat(failureOf(new InputInspector(strict), Images.jpegScanBomb(0)).getMessage())
                .contains("more than 2 scans");
        // big enough to take well over 1 ms on any decoding path (a small sample can beat it on the PNG fast path)
        byte[] noise = new byte[1500 * 1500 * RgbImage.CHANNELS];
        new java.util.Random(9).nextBytes(noise);
        byte[] big = ImageFiles.encode(new RgbImage(1500, 1500, noise), ImageFiles.Format.PNG, 0);
        RequestFailure slow = failureOf(new InputInspector(strict), big);
        assertThat(slow.code()).isEqualTo(ErrorCode.UNSUPPORTED_FORMAT);
        assertThat(slow.getMessage()).contains("time budget of 1 ms");
    }

    /** WebP is accepted by default: the request contract promises PNG, JPEG and WebP. */
    @Test
    void defaultsAcceptWhatTheContractPromises() throws Exception {
        InputInspector i = new InputInspector(new LimitsProperties().toInspectorSettings());
        assertThat(i.inspect(Images.sample(Images.LOSSLESS_WEBP)).width()).isEqualTo(48);
        assertThat(i.inspect(Images.sample(Images.PORTRAIT_JPEG)).width()).isEqualTo(240);
    }

    /** The image is edited as displayed: EXIF orientation 6 turns the stored 32x16 into 16x32. */
    @Test
    void exifOrientationIsApplied() throws Exception {
        RgbImage img = inspector(List.of("webp")).inspect(Images.sample(Images.ORIENTED_WEBP));
        assertThat(img.width()).isEqualTo(16);
        assertThat(img.height()).isEqualTo(32);
    }

    @Test
    void rejectsPixelBombsFromTheHeaderWithoutDecoding() {
        byte[] bomb = Images.pngBomb(100_000, 100_000); // 10^10 pixels in a few dozen bytes
        assertThat(bomb.length).isLessThan(100);
        assertThat(codeOf(inspector(List.of("png")), bomb)).isEqualTo(ErrorCode.TOO_MANY_PIXELS);
        // a lossless WebP whose header declares 16384 x 16384
        byte[] webpBomb = Images.sample(Images.LOSSLESS_WEBP);
        ByteBuffer.wrap(webpBomb).order(ByteOrder.LITTLE_ENDIAN).putInt(21, (webpBomb[24] & 0xF0) << 24 | 0x0FFFFFFF);
        RequestFailure f = failureOf(inspector(List.of("webp")), webpBomb);
        assertThat(f.code()).isEqualTo(ErrorCode.TOO_MANY_PIXELS);
        assertThat(f.getMessage()).contains("WebP").contains("16384x16384");
    }

    /**
     * Truncated files of an accepted format are answered UNSUPPORTED_FORMAT (the contract's "not a decodable
     * PNG, JPEG or WebP image"), never decoded, and the message says what is wrong.
     */
    @Test
    void truncatedFilesAreUnsupportedWithAMessageNamingTheProblem() throws Exception {
        InputInspector i = inspector(List.of("png", "jpeg", "webp"));
        byte[] jpeg = Images.sample(Images.PORTRAIT_JPEG);
        byte[] png = Images.sample(Images.LANDSCAPE_PNG);
        byte[] webp = Images.sample(Images.LOSSLESS_WEBP);
        for (byte[] cut : new byte[][] {Arrays.copyOf(jpeg, jpeg.length / 2), Arrays.copyOf(png, png.length / 2),
                Arrays.copyOf(webp, webp.length - 10)}) {
            RequestFailure f = failureOf(i, cut);
            assertThat(f.code()).isEqualTo(ErrorCode.UNSUPPORTED_FORMAT);
            assertThat(f.getMessage()).contains("truncated");
        }
        RequestFailure jpegFailure = failureOf(i, Arrays.copyOf(jpeg, jpeg.length / 2));
        assertThat(jpegFailure.getMessage()).startsWith("the JPEG file is truncated");
        assertThat(ImageFiles.probe(Arrays.copyOf(jpeg, jpeg.length / 2)).width())
                .as("the header alone is intact").isEqualTo(240);
    }

    @Test
    void formatAllowListCorruptAndForeignFormats() {
        assertThat(codeOf(inspector(List.of("png")), Images.sample(Images.PORTRAIT_JPEG))).isEqualTo(ErrorCode.UNSUPPORTED_FORMAT);
        assertThat(codeOf(inspector(List.of("png", "jpeg")), Images.sample(Images.LOSSLESS_WEBP)))
                .isEqualTo(ErrorCode.UNSUPPORTED_FORMAT);
        assertThat(failureOf(inspector(List.of("png", "jpeg")), Images.sample(Images.LOSSLESS_WEBP)).getMessage())
                .contains("WebP inputs are not accepted");
        assertThat(codeOf(inspector(List.of("png", "jpeg")), Images.gif())).isEqualTo(ErrorCode.UNSUPPORTED_FORMAT);
        assertThat(codeOf(inspector(List.of("png", "jpeg")), Images.corruptPng())).isEqualTo(ErrorCode.UNSUPPORTED_FORMAT);
        assertThat(codeOf(inspector(List.of("png", "jpeg")), new byte[0])).isEqualTo(ErrorCode.UNSUPPORTED_FORMAT);
        assertThatThrownBy(() -> inspector(List.of("gif"))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("png, jpeg, webp");
    }
}
