package dev.step1x.worker.pipeline;

import dev.step1x.contracts.ErrorCode;
import dev.step1x.engine.image.ImageFiles;
import dev.step1x.engine.image.RgbImage;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Checks an input before spending memory on it: the format from the magic bytes against the allow-list,
 * the dimensions from the image header (nothing decoded; the size as displayed, after the EXIF orientation)
 * against the pixel limit, and only then a full decode to 8-bit sRGB through {@link ImageFiles#decode}, the
 * engine's one decoding path. A pixel bomb (a small file declaring a huge image) is rejected without being
 * decoded with {@link ErrorCode#TOO_MANY_PIXELS}; anything that is not a decodable PNG, JPEG or still WebP,
 * including a truncated or corrupt file of an accepted format, with {@link ErrorCode#UNSUPPORTED_FORMAT} and
 * the engine's message naming the problem. So is a file that would cost too much to decode: a JPEG with more
 * scans than {@code worker.limits.max-jpeg-scans}, a PNG metadata decompression bomb, or a decode that runs past
 * {@code worker.limits.decode-time-budget}.
 */
public final class InputInspector {

    /**
     * @param maxPixels the largest width x height accepted, from the header before decoding
     * @param allowedFormats png, jpeg (or jpg), webp
     * @param maxJpegScans the most scans of a JPEG input (a scan is a pass over the whole image)
     * @param decodeTimeBudget wall time one decode may take before the decoder is aborted
     */
    public record Settings(long maxPixels, List<String> allowedFormats, int maxJpegScans,
            Duration decodeTimeBudget) {

        /** With the engine's default scan limit and time budget. */
        public Settings(long maxPixels, List<String> allowedFormats) {
            this(maxPixels, allowedFormats, ImageFiles.DecodeLimits.of(maxPixels).maxJpegScans(),
                    ImageFiles.DecodeLimits.of(maxPixels).timeBudget());
        }
    }

    private final Set<ImageFiles.Format> allowed;
    private final long maxPixels;
    private final ImageFiles.DecodeLimits decodeLimits;

    /** @throws IllegalArgumentException naming an unknown format */
    public InputInspector(Settings settings) {
        this.allowed = settings.allowedFormats().stream()
                .map(s -> s.trim().toLowerCase(Locale.ROOT))
                .map(s -> switch (s) {
                    case "png" -> ImageFiles.Format.PNG;
                    case "jpeg", "jpg" -> ImageFiles.Format.JPEG;
                    case "webp" -> ImageFiles.Format.WEBP;
                    default -> throw new IllegalArgumentException("worker.limits.allowed-formats: unknown format '" + s
                            + "' (png, jpeg, webp)");
                })
                .collect(Collectors.toUnmodifiableSet());
        this.maxPixels = settings.maxPixels();
        this.decodeLimits = new ImageFiles.DecodeLimits(maxPixels, settings.maxJpegScans(),
                settings.decodeTimeBudget());
    }

    /** Probes the header, checks format and pixels, then decodes. */
    public RgbImage inspect(byte[] bytes) throws RequestFailure {
        ImageFiles.Probe probe;
        try {
            probe = ImageFiles.probe(bytes);
        } catch (ImageFiles.ImageRejectedException e) {
            throw new RequestFailure(ErrorCode.UNSUPPORTED_FORMAT, e.getMessage());
        }
        if (!allowed.contains(probe.format())) {
            throw new RequestFailure(ErrorCode.UNSUPPORTED_FORMAT, probe.format().label() + " inputs are not accepted by "
                    + "this worker (allowed: " + allowed.stream().map(ImageFiles.Format::label).sorted().toList() + ")");
        }
        if (probe.width() < 1 || probe.height() < 1) {
            throw new RequestFailure(ErrorCode.UNSUPPORTED_FORMAT, "the image header declares no pixels");
        }
        if (probe.pixels() > maxPixels) {
            throw new RequestFailure(ErrorCode.TOO_MANY_PIXELS, String.format(Locale.ROOT,
                    "the %s header declares %dx%d = %,d pixels, more than the limit of %,d (not decoded)",
                    probe.format().label(), probe.width(), probe.height(), probe.pixels(), maxPixels));
        }
        try {
            return ImageFiles.decode(bytes, decodeLimits);
        } catch (ImageFiles.ImageRejectedException e) {
            // CORRUPT (truncated or damaged data), UNSUPPORTED_FORMAT (e.g. an animated WebP) and DECODE_LIMIT (a
            // scan or decompression bomb, the time budget) are all "not a decodable PNG, JPEG or WebP image" for
            // the contract; the message says which
            ErrorCode code = e.reason() == ImageFiles.ImageRejectedException.Reason.TOO_MANY_PIXELS
                    ? ErrorCode.TOO_MANY_PIXELS : ErrorCode.UNSUPPORTED_FORMAT;
            throw new RequestFailure(code, e.getMessage());
        } catch (RuntimeException | OutOfMemoryError e) {
            throw new RequestFailure(ErrorCode.UNSUPPORTED_FORMAT, "cannot decode the " + probe.format().label()
                    + " image: " + e);
        }
    }
}
