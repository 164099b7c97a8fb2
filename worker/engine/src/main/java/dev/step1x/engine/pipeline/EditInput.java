package dev.step1x.engine.pipeline;

import dev.step1x.engine.ModelVersion;
import dev.step1x.engine.image.RgbImage;
import dev.step1x.engine.image.Step1XResize;
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
 * @param adapter the request's unmerged LoRA adapter and multiplier, or null for none; requests with different
 *     adapters (and none) share a batch
 * @param resized {@code image} already resized to the bucket ({@link #resizedToBucket()}), or null: the engine
 *     resizes it on its own thread
 */
public record EditInput(RgbImage image, String instruction, String negativePrompt, int sizeLevel, int steps,
        float guidance, long seed, ModelVersion version, AdapterRef adapter, RgbImage resized) {

    /** A request without adapter. */
    public EditInput(RgbImage image, String instruction, String negativePrompt, int sizeLevel, int steps,
            float guidance, long seed, ModelVersion version) {
        this(image, instruction, negativePrompt, sizeLevel, steps, guidance, seed, version, null, null);
    }

    /** This request with {@code a} as its adapter (null: none). */
    public EditInput withAdapter(AdapterRef a) {
        return new EditInput(image, instruction, negativePrompt, sizeLevel, steps, guidance, seed, version, a, resized);
    }

    /**
     * This request with its picture resized to the bucket now ({@link Step1XResize#resizeInput}, step 1 of the
     * edit), so that a caller with spare CPU threads keeps that work off the thread that owns the device.
     *
     * @throws IllegalArgumentException when the picture cannot be resized for the size level
     */
    public EditInput resizedToBucket() {
        if (resized != null) {
            return this;
        }
        return new EditInput(image, instruction, negativePrompt, sizeLevel, steps, guidance, seed, version, adapter,
                referenceAtBucket());
    }

    /**
     * The reference picture at the bucket's size: {@link #resized} when given, else resized now; a picture that
     * already has the bucket's size is itself (Pillow's resize would return an equal copy).
     */
    public RgbImage referenceAtBucket() {
        if (resized != null) {
            return resized;
        }
        BucketKey b = bucket();
        return image.width() == b.width() && image.height() == b.height() ? image
                : Step1XResize.resizeInput(image, sizeLevel, version);
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
        if (resized != null) {
            // the fields are not assigned yet in a compact constructor: the bucket from the parameters
            BucketKey b = BucketKey.of(image.width(), image.height(), sizeLevel, version, steps);
            if (resized.width() != b.width() || resized.height() != b.height()) {
                throw new IllegalArgumentException("the resized picture is " + resized.width() + "x" + resized.height()
                        + ", the bucket " + b.width() + "x" + b.height());
            }
        }
    }

    public BucketKey bucket() {
        return BucketKey.of(image.width(), image.height(), sizeLevel, version, steps);
    }
}
