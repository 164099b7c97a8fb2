package dev.step1x.engine.image;

import java.io.IOException;

/**
 * The last step of an edit, after the device: the engine returns each picture at its bucket's working size, and
 * every caller (the worker's finisher threads, the command line) brings it back to the input's size and encodes it
 * here, off the thread that owns the device. The resize is the official {@code output_process_image}:
 * {@link Step1XResize#resizeOutput(RgbImage, int, int)}, Pillow BICUBIC.
 */
public final class OutputImages {

    private OutputImages() {}

    /**
     * The picture at the input's size. When the bucket already has that size the picture itself is returned (no
     * copy): Pillow's resize would return an equal copy.
     */
    public static RgbImage toInputSize(RgbImage atBucket, int inputWidth, int inputHeight) {
        if (atBucket.width() == inputWidth && atBucket.height() == inputHeight) {
            return atBucket;
        }
        return Step1XResize.resizeOutput(atBucket, inputWidth, inputHeight);
    }

    /** {@link #toInputSize}, then encoded. */
    public static EncodedImage finish(RgbImage atBucket, int inputWidth, int inputHeight, ImageEncoding encoding)
            throws IOException {
        RgbImage out = toInputSize(atBucket, inputWidth, inputHeight);
        return new EncodedImage(encoding.encode(out), out.width(), out.height(), encoding.contentType());
    }
}
