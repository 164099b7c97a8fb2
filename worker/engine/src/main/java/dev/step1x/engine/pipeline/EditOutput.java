package dev.step1x.engine.pipeline;

import dev.step1x.engine.image.EncodedImage;
import dev.step1x.engine.image.ImageEncoding;
import dev.step1x.engine.image.OutputImages;
import dev.step1x.engine.image.RgbImage;
import java.io.IOException;
import java.util.Map;

/**
 * The result of one request, as the device thread leaves it: pixels at the bucket's working size. Bringing them
 * back to the input's size and encoding them is CPU work that callers do on their own threads through
 * {@link OutputImages} ({@link #finish}).
 *
 * @param image the edited picture at the bucket's size ({@code to_pil_image} of the decoded image)
 * @param inputWidth the width of the request's input picture (the output's width after {@link #finish})
 * @param inputHeight the height of the request's input picture
 * @param stageMillis wall time per stage for the batch this request ran in (resize, vaeEncode, mllm, denoise,
 *     vaeDecode, total); the stages are shared by every request of the batch
 * @param batchRows how many requests ran together in that batch
 * @param peakNativeBytes the process's peak resident memory seen during the batch
 */
public record EditOutput(RgbImage image, int inputWidth, int inputHeight, BucketKey bucket,
        Map<String, Double> stageMillis, int batchRows, long peakNativeBytes) {

    /** The picture at the input's size (Pillow BICUBIC, as the official script), encoded. */
    public EncodedImage finish(ImageEncoding encoding) throws IOException {
        return OutputImages.finish(image, inputWidth, inputHeight, encoding);
    }

    /** The picture at the input's size, not encoded. */
    public RgbImage atInputSize() {
        return OutputImages.toInputSize(image, inputWidth, inputHeight);
    }
}
