package dev.step1x.engine.image;

import java.io.IOException;

/**
 * How an output image is written: PNG, or JPEG at a quality. The format is the engine's one image-format type,
 * {@link ImageFiles.Format}; WebP is an input format only.
 */
public record ImageEncoding(ImageFiles.Format format, int jpegQuality) {

    public static final ImageEncoding PNG = new ImageEncoding(ImageFiles.Format.PNG, 0);

    public ImageEncoding {
        if (format == null || format == ImageFiles.Format.WEBP) {
            throw new IllegalArgumentException("an output is written as png or jpeg, not " + format);
        }
        if (format == ImageFiles.Format.JPEG && (jpegQuality < 1 || jpegQuality > 100)) {
            throw new IllegalArgumentException("jpegQuality must be 1..100, got " + jpegQuality);
        }
    }

    public static ImageEncoding jpeg(int quality) {
        return new ImageEncoding(ImageFiles.Format.JPEG, quality);
    }

    public String contentType() {
        return format.contentType();
    }

    /** The image as file bytes ({@link ImageFiles#encode}, the one encoder). */
    public byte[] encode(RgbImage image) throws IOException {
        return ImageFiles.encode(image, format, jpegQuality);
    }
}
