package dev.step1x.worker.pipeline;

import dev.step1x.contracts.ErrorCode;
import dev.step1x.engine.image.ImageFiles;
import dev.step1x.engine.image.RgbImage;
import dev.step1x.worker.config.WorkerProperties;
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

    private final Set<ImageFiles.Format> allowed;
    private final long maxPixels;
    private final ImageFiles.DecodeLimits decodeLimits;

    public InputInspector(WorkerProperties.Limits limits) {
        this.allowed = limits.getAllowedFormats().stream()
                .map(s -> s.trim().toLowerCase(Locale.ROOT))
                .map(s -> switch (s) {
                    case "png" -> ImageFiles.Format.PNG;
                    case "jpeg", "jpg" -> ImageFiles.Format.JPEG;
                    case "webp" -> ImageFiles.Format.WEBP;
                    default -> throw new IllegalArgumentException("worker.limits.allowed-formats: unknown format '" + s
                            + "' (png, jpeg, webp)");
                })
                .collect(Collectors.toUnmodifiableSet());
        this.maxPixels = limits.getMaxPixels();
        this.decodeLimits = new ImageFiles.DecodeLimits(maxPixels, limits.getMaxJpegScans(),
                limits.getDecodeTimeBudget());
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
