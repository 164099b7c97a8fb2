package dev.step1x.engine.pipeline;

import dev.step1x.engine.ModelVersion;
import dev.step1x.engine.image.RgbImage;
import java.util.Objects;

/**
 * One edit request as the engine sees it (already decoded and validated by the caller).
 *
 * @param image the input picture at its original size
 * @param instruction the edit instruction (any language)
 * @param negativePrompt the unconditional prompt, "" for editing as the official script
 * @param sizeLevel the target area is about sizeLevel² pixels (512, 768 or 1024 for the official model)
 * @param steps denoising steps
 * @param guidance classifier-free guidance scale
 * @param seed the request's noise seed (see {@link NoiseGenerator})
 * @param encoding PNG/JPEG bytes wanted in the output, or null for pixels only
 * @param adapter the request's unmerged LoRA adapter and multiplier, or null for none; requests with different
 *     adapters (and none) share a batch
 */
public record EditInput(RgbImage image, String instruction, String negativePrompt, int sizeLevel, int steps,
        float guidance, long seed, ModelVersion version, ImageEncoding encoding, AdapterRef adapter) {

    /** A request without adapter. */
    public EditInput(RgbImage image, String instruction, String negativePrompt, int sizeLevel, int steps,
            float guidance, long seed, ModelVersion version, ImageEncoding encoding) {
        this(image, instruction, negativePrompt, sizeLevel, steps, guidance, seed, version, encoding, null);
    }

    /** This request with {@code a} as its adapter (null: none). */
    public EditInput withAdapter(AdapterRef a) {
        return new EditInput(image, instruction, negativePrompt, sizeLevel, steps, guidance, seed, version, encoding, a);
    }

    /**
     * The size level an edit runs at unless told otherwise: 1024, the value of the official example scripts
     * ({@code --size_level 1024}) and of the request contract ({@code EditParams.DEFAULT_SIZE_LEVEL}), so that the
     * command line, the worker and the official code give the same picture by default. 512 and 768 are faster.
     */
    public static final int DEFAULT_SIZE_LEVEL = 1024;

    public EditInput {
        Objects.requireNonNull(image, "image");
        Objects.requireNonNull(instruction, "instruction");
        Objects.requireNonNull(negativePrompt, "negativePrompt");
        Objects.requireNonNull(version, "version");
        if (sizeLevel < 16) {
            throw new IllegalArgumentException("sizeLevel must be >= 16, got " + sizeLevel);
        }
        if (steps < 1) {
            throw new IllegalArgumentException("steps must be >= 1, got " + steps);
        }
        if (!(guidance >= 1f) || Float.isInfinite(guidance)) {
            throw new IllegalArgumentException("guidance must be a finite number >= 1, got " + guidance);
        }
    }

    public BucketKey bucket() {
        return BucketKey.of(image.width(), image.height(), sizeLevel, version, steps);
    }
}
