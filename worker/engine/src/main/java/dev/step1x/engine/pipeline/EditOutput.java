package dev.step1x.engine.pipeline;

import dev.step1x.engine.image.RgbImage;
import java.util.Map;

/**
 * The result of one request.
 *
 * @param image the edited picture, resized back to the input's original size
 * @param encoded the PNG/JPEG bytes if an encoding was asked for, else null
 * @param contentType the MIME type of {@code encoded}, else null
 * @param stageMillis wall time per stage for the batch this request ran in (mllm, vaeEncode, denoise,
 *     vaeDecode, encode, total); the stages are shared by every request of the batch
 * @param batchRows how many requests ran together in that batch
 * @param peakNativeBytes the process's peak resident memory seen during the batch
 */
public record EditOutput(RgbImage image, byte[] encoded, String contentType, BucketKey bucket,
        Map<String, Double> stageMillis, int batchRows, long peakNativeBytes) {}
