package dev.step1x.engine.pipeline;

import ai.djl.ndarray.NDManager;
import dev.step1x.engine.image.RgbImage;
import java.util.List;

/** Qwen2.5-VL as Step1X-Edit's text conditioning (being wired: the Qwen modules land with issue 4). */
final class QwenMllmEncoder implements MllmEncoder {

    static QwenMllmEncoder load(NDManager manager, ModelDirectory dir) {
        throw new UnsupportedOperationException("Qwen2.5-VL encoder not wired yet");
    }

    @Override
    public Conditioning encode(NDManager manager, List<RgbImage> images, List<String> instructions,
            List<String> negativePrompts) {
        throw new UnsupportedOperationException("Qwen2.5-VL encoder not wired yet");
    }

    @Override
    public void close() {}
}
