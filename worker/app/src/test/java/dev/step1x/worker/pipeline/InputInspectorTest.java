package dev.step1x.worker.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.step1x.contracts.ErrorCode;
import dev.step1x.worker.config.WorkerProperties;
import dev.step1x.worker.support.Images;
import java.util.List;
import org.junit.jupiter.api.Test;

class InputInspectorTest {

    static InputInspector inspector(List<String> formats) {
        WorkerProperties.Limits l = new WorkerProperties.Limits();
        l.setMaxPixels(2048L * 2048);
        l.setAllowedFormats(formats);
        return new InputInspector(l);
    }

    static ErrorCode codeOf(InputInspector i, byte[] bytes) {
        try {
            i.inspect(bytes);
            return null;
        } catch (RequestFailure f) {
            return f.code();
        }
    }

    @Test
    void decodesAllowedFormats() throws Exception {
        InputInspector i = inspector(List.of("png", "jpeg"));
        assertThat(i.inspect(Images.sample(Images.LANDSCAPE_PNG)).width()).isEqualTo(320);
        assertThat(i.inspect(Images.sample(Images.PORTRAIT_JPEG)).height()).isEqualTo(360);
    }

    @Test
    void rejectsPixelBombsFromTheHeaderWithoutDecoding() {
        byte[] bomb = Images.pngBomb(100_000, 100_000); // 10^10 pixels in a few dozen bytes
        assertThat(bomb.length).isLessThan(100);
        assertThat(codeOf(inspector(List.of("png")), bomb)).isEqualTo(ErrorCode.TOO_MANY_PIXELS);
    }

    @Test
    void formatAllowListCorruptAndForeignFormats() {
        assertThat(codeOf(inspector(List.of("png")), Images.sample(Images.PORTRAIT_JPEG))).isEqualTo(ErrorCode.UNSUPPORTED_FORMAT);
        assertThat(codeOf(inspector(List.of("png", "jpeg")), Images.gif())).isEqualTo(ErrorCode.UNSUPPORTED_FORMAT);
        assertThat(codeOf(inspector(List.of("png", "jpeg")), Images.corruptPng())).isEqualTo(ErrorCode.UNSUPPORTED_FORMAT);
        assertThat(codeOf(inspector(List.of("png", "jpeg")), new byte[0])).isEqualTo(ErrorCode.UNSUPPORTED_FORMAT);
        assertThatThrownBy(() -> inspector(List.of("webp"))).isInstanceOf(IllegalArgumentException.class);
    }
}
