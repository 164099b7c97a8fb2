package dev.step1x.engine.image;

import java.io.IOException;

/**
 * How an output image is written: PNG at a zlib level, or JPEG at a quality. The format is the engine's one
 * image-format type, {@link ImageFiles.Format}; WebP is an input format only.
 *
 * @param level the JPEG quality (1..100) or the PNG's zlib level (0: stored, 1: fastest compression, ... 9)
 */
public record ImageEncoding(ImageFiles.Format format, int level) {

    /** PNG at zlib level 1, the fastest level that compresses ({@link PngWriter}). */
    public static final ImageEncoding PNG = png(PngWriter.DEFAULT_LEVEL);

    public ImageEncoding {
        if (format == null || format == ImageFiles.Format.WEBP) {
            throw new IllegalArgumentException("an output is written as png or jpeg, not " + format);
        }
        if (format == ImageFiles.Format.JPEG && (level < 1 || level > 100)) {
            throw new IllegalArgumentException("jpegQuality must be 1..100, got " + level);
        }
        if (format == ImageFiles.Format.PNG && (level < 0 || level > 9)) {
            throw new IllegalArgumentException("the PNG zlib level must be 0..9, got " + level);
        }
    }

    public static ImageEncoding jpeg(int quality) {
        return new ImageEncoding(ImageFiles.Format.JPEG, quality);
    }

    /** PNG at a zlib level: 0 stores the rows (about 5x the bytes, a quarter of the CPU), 1 the default. */
    public static ImageEncoding png(int zlibLevel) {
        return new ImageEncoding(ImageFiles.Format.PNG, zlibLevel);
    }

    public String contentType() {
        return format.contentType();
    }

    /** The image as file bytes ({@link ImageFiles#encode}, the one encoder). */
    public byte[] encode(RgbImage image) throws IOException {
        return ImageFiles.encode(image, this);
    }
}
