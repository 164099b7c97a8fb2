package dev.step1x.engine.pipeline;

import dev.step1x.engine.ModelVersion;
import dev.step1x.engine.image.Step1XResize;

/**
 * Requests with equal keys run as one tensor batch without padding: same model version, same resized
 * (height, width) after Step1X-Edit's input resize, same number of steps. Guidance and seed may differ
 * per request. The worker groups its queues by this key.
 *
 * @param height resized image height in pixels (multiple of 16)
 * @param width resized image width in pixels (multiple of 16)
 */
public record BucketKey(ModelVersion version, int height, int width, int steps) {

    public BucketKey {
        if (height <= 0 || width <= 0 || height % 16 != 0 || width % 16 != 0) {
            throw new IllegalArgumentException("bucket size must be positive multiples of 16, got " + height + "x" + width);
        }
        if (steps < 1) {
            throw new IllegalArgumentException("steps must be >= 1, got " + steps);
        }
    }

    /** The bucket of an input image of {@code imageWidth}×{@code imageHeight} at {@code sizeLevel}. */
    public static BucketKey of(int imageWidth, int imageHeight, int sizeLevel, ModelVersion version, int steps) {
        Step1XResize.Size s = Step1XResize.targetSize(imageWidth, imageHeight, sizeLevel);
        return new BucketKey(version, s.height(), s.width(), steps);
    }

    /** The wire form used in results, metrics and logs (the contracts' {@code bucketKey}): {@code v1.1:880x1184:28}, version:HxW:steps. */
    @Override
    public String toString() {
        return version.label() + ":" + height + "x" + width + ":" + steps;
    }
}
