package dev.step1x.contracts;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * {@link EditRequest#output()}: where and how the edited image is written.
 *
 * @param bucket      S3 bucket to write to (required)
 * @param keyPrefix   prefix of the object key (default {@code ""})
 * @param format      png or jpeg (default png)
 * @param jpegQuality 1..100, only allowed with jpeg (default 90 for jpeg)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record OutputSpec(
        String bucket,
        String keyPrefix,
        ImageFormat format,
        Integer jpegQuality) {

    public static final String DEFAULT_KEY_PREFIX = "";
    public static final ImageFormat DEFAULT_FORMAT = ImageFormat.PNG;
    public static final int DEFAULT_JPEG_QUALITY = 90;

    /** Output to the root of {@code bucket} as PNG. */
    public static OutputSpec of(String bucket) {
        return new OutputSpec(bucket, null, null, null);
    }

    /**
     * A copy with defaults filled in: keyPrefix {@code ""}, format png, and for jpeg a quality of 90. A png
     * output keeps {@code jpegQuality} absent (the schema forbids it there).
     */
    public OutputSpec resolved() {
        ImageFormat f = format != null ? format : DEFAULT_FORMAT;
        Integer q = jpegQuality;
        if (f == ImageFormat.JPEG && q == null) {
            q = DEFAULT_JPEG_QUALITY;
        }
        return new OutputSpec(bucket, keyPrefix != null ? keyPrefix : DEFAULT_KEY_PREFIX, f, q);
    }

    /**
     * The object key the worker writes for {@code requestId}: {@code keyPrefix + requestId + "." + ext} with
     * ext {@code png} or {@code jpg}. Deterministic, so a retry overwrites the same object.
     */
    public String objectKeyFor(String requestId) {
        OutputSpec r = resolved();
        return r.keyPrefix + requestId + "." + r.format.extension();
    }
}
