package dev.step1x.contracts;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** Output image encoding; on the wire {@code "png"} or {@code "jpeg"}. */
public enum ImageFormat {
    PNG("png", "image/png", "png"),
    JPEG("jpeg", "image/jpeg", "jpg");

    private final String wire;
    private final String contentType;
    private final String extension;

    ImageFormat(String wire, String contentType, String extension) {
        this.wire = wire;
        this.contentType = contentType;
        this.extension = extension;
    }

    /** The JSON value. */
    @JsonValue
    public String wire() {
        return wire;
    }

    /** MIME type, as in {@link EditResult.OutputRef#contentType()}. */
    public String contentType() {
        return contentType;
    }

    /** File extension used in output object keys, without the dot ({@code png}, {@code jpg}). */
    public String extension() {
        return extension;
    }

    /** Parses the JSON value; throws {@link IllegalArgumentException} for anything else. */
    @JsonCreator
    public static ImageFormat fromWire(String value) {
        for (ImageFormat f : values()) {
            if (f.wire.equals(value)) {
                return f;
            }
        }
        throw new IllegalArgumentException("unknown image format: " + value);
    }

    @Override
    public String toString() {
        return wire;
    }
}
