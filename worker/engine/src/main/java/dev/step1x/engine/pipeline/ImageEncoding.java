package dev.step1x.engine.pipeline;

/** How the engine encodes an output image when bytes are asked for. */
public record ImageEncoding(Format format, int jpegQuality) {

    public enum Format {
        PNG("image/png"), JPEG("image/jpeg");

        private final String contentType;

        Format(String contentType) {
            this.contentType = contentType;
        }

        public String contentType() {
            return contentType;
        }
    }

    public static final ImageEncoding PNG = new ImageEncoding(Format.PNG, 0);

    public ImageEncoding {
        if (format == Format.JPEG && (jpegQuality < 1 || jpegQuality > 100)) {
            throw new IllegalArgumentException("jpegQuality must be 1..100, got " + jpegQuality);
        }
    }

    public static ImageEncoding jpeg(int quality) {
        return new ImageEncoding(Format.JPEG, quality);
    }
}
