package dev.step1x.engine.image;

import com.twelvemonkeys.imageio.plugins.jpeg.JPEGImageReaderSpi;
import com.twelvemonkeys.imageio.plugins.webp.WebPImageReaderSpi;
import java.awt.color.CMMException;
import java.awt.color.ColorSpace;
import java.awt.color.ICC_ColorSpace;
import java.awt.color.ICC_Profile;
import java.awt.color.ProfileDataException;
import java.awt.image.BufferedImage;
import java.awt.image.ColorConvertOp;
import java.awt.image.ColorModel;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.DataBufferByte;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.spi.IIORegistry;
import javax.imageio.spi.ImageReaderSpi;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.ImageOutputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;
import javax.imageio.stream.MemoryCacheImageOutputStream;

/**
 * Reading and writing image files with the checks a service needs before it spends memory: the format
 * is recognised from the magic bytes, the dimensions come from the header, and only then is the image
 * decoded, so a small file that claims to be 100k × 100k pixels is rejected without being decoded.
 *
 * <p>This is the one decoding path of the engine: the worker, the command line and {@link RgbImage#read(Path)}
 * all come through {@link #decode(byte[], long)}. Decoding
 * <ul>
 *   <li>accepts PNG (JDK reader), JPEG (TwelveMonkeys: baseline, progressive, lossless, CMYK, YCCK) and still
 *       WebP (TwelveMonkeys: lossy, lossless, with alpha); animated WebP is refused;</li>
 *   <li>refuses files that are truncated or corrupt ({@link ImageRejectedException.Reason#CORRUPT}) instead of
 *       decoding what is there: the container structure is walked to its end marker (PNG {@code IEND}, JPEG
 *       EOI, the RIFF length of a WebP), critical PNG chunks must pass their CRC, and a JPEG decoder warning
 *       about the data (such as "Premature end of JPEG file") is a refusal;</li>
 *   <li>converts pixels in an embedded RGB ICC profile to sRGB (JPEG and WebP by their readers, PNG
 *       {@code iCCP} here); CMYK/YCCK JPEGs become sRGB through their profile, or a plain formula without
 *       one; grey profiles are ignored;</li>
 *   <li>reduces everything else to 8-bit RGB as {@link RgbImage#fromBufferedImage} describes (alpha dropped,
 *       16-bit samples keep their high byte, palettes expanded, grey replicated);</li>
 *   <li>applies the EXIF orientation (JPEG APP1 {@code Exif}, WebP {@code EXIF}, PNG {@code eXIf}), so the
 *       result is the image as a viewer displays it; {@link #probe} reports that displayed size;</li>
 *   <li>refuses files that cost far more to decode than their size suggests
 *       ({@link ImageRejectedException.Reason#DECODE_LIMIT}, {@link DecodeLimits}): a progressive JPEG with more
 *       scans than the limit, a PNG whose compressed metadata ({@code zTXt}, {@code iTXt}, {@code iCCP}) inflates
 *       beyond its limits, and any image whose decoding runs past the time budget (the reader is aborted).</li>
 * </ul>
 *
 * <p>ImageIO's disk cache is switched off when this class loads, and every stream here is an in-memory one,
 * so input images are never written to a temporary directory.
 */
public final class ImageFiles {

    static {
        ImageIO.setUseCache(false);
    }

    /**
     * The most pixels any decode accepts whatever limit it is given: an {@link RgbImage} keeps its samples in
     * one array of at most {@code Integer.MAX_VALUE} bytes.
     */
    public static final long MAX_RGB_PIXELS = Integer.MAX_VALUE / RgbImage.CHANNELS;

    /** Formats the engine accepts. */
    public enum Format {
        PNG("image/png"), JPEG("image/jpeg"), WEBP("image/webp");

        private final String contentType;

        Format(String contentType) {
            this.contentType = contentType;
        }

        public String contentType() {
            return contentType;
        }

        /** {@code PNG}, {@code JPEG}, {@code WebP}: the name used in messages. */
        public String label() {
            return this == WEBP ? "WebP" : name();
        }
    }

    /** Why an image was refused; {@link #reason()} is a stable code for results and exit messages. */
    public static final class ImageRejectedException extends IOException {
        /**
         * UNSUPPORTED_FORMAT: not PNG, JPEG or still WebP; TOO_MANY_PIXELS: the header's size is over the limit;
         * CORRUPT: truncated or damaged data; DECODE_LIMIT: decoding would cost too much (JPEG scans, inflated PNG
         * metadata, the time budget).
         */
        public enum Reason { UNSUPPORTED_FORMAT, TOO_MANY_PIXELS, CORRUPT, DECODE_LIMIT }

        private final Reason reason;

        public ImageRejectedException(Reason reason, String message) {
            super(message);
            this.reason = reason;
        }

        public Reason reason() {
            return reason;
        }
    }

    /**
     * What the header says. {@code width} and {@code height} are those of the image as displayed, after its
     * EXIF orientation: a 4000x3000 JPEG whose orientation turns it by 90 degrees reports 3000x4000, the size
     * {@link #decode} returns.
     */
    public record Probe(Format format, int width, int height) {
        public long pixels() {
            return (long) width * height;
        }
    }

    /**
     * What one decode may cost.
     *
     * @param maxPixels    width x height from the header (at most {@link #MAX_RGB_PIXELS})
     * @param maxJpegScans scans of a JPEG (progressive files have several; each is a pass over the image)
     * @param timeBudget   wall time of the decode; past it the reader is aborted and the image refused
     */
    public record DecodeLimits(long maxPixels, int maxJpegScans, java.time.Duration timeBudget) {

        /** The default scan limit and a 30 s budget. */
        public static DecodeLimits of(long maxPixels) {
            return new DecodeLimits(maxPixels, ImageContainer.DEFAULT_MAX_JPEG_SCANS, java.time.Duration.ofSeconds(30));
        }

        public DecodeLimits {
            if (maxJpegScans < 1 || timeBudget.isNegative() || timeBudget.isZero()) {
                throw new IllegalArgumentException("maxJpegScans must be >= 1 and timeBudget > 0, got " + maxJpegScans
                        + " and " + timeBudget);
            }
        }
    }

    /** Aborts readers that run past their time budget (one daemon thread for the process). */
    private static final java.util.concurrent.ScheduledExecutorService WATCHDOG =
            java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "image-decode-watchdog");
                t.setDaemon(true);
                return t;
            });

    private ImageFiles() {}

    /**
     * Format from the magic bytes, dimensions from the header and the EXIF orientation; nothing is decoded and
     * the file is not checked for completeness ({@link #decode} does that).
     */
    public static Probe probe(byte[] bytes) throws ImageRejectedException {
        Format format = sniff(bytes);
        ImageContainer.Layout layout = ImageContainer.walk(format, bytes, false);
        ImageReader reader = Readers.create(format);
        try (ImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(bytes))) {
            reader.setInput(in, true, true);
            return probe(format, reader, layout);
        } catch (IOException e) {
            throw headerError(format, e);
        } finally {
            reader.dispose();
        }
    }

    /**
     * Probes, checks the pixel limit, checks that the file is complete, then decodes to 8-bit sRGB in the
     * displayed orientation. Refusals: {@code UNSUPPORTED_FORMAT} (not PNG/JPEG/WebP, animated WebP),
     * {@code TOO_MANY_PIXELS} (from the header, before anything is decoded; the limit is at most
     * {@link #MAX_RGB_PIXELS}), {@code CORRUPT} (truncated or damaged data, with a message naming the problem).
     */
    public static RgbImage decode(byte[] bytes, long maxPixels) throws ImageRejectedException {
        return decode(bytes, DecodeLimits.of(maxPixels));
    }

    /**
     * {@link #decode(byte[], long)} with every limit given; also refuses ({@code DECODE_LIMIT}) a JPEG with more
     * scans than allowed and a PNG metadata decompression bomb (both before anything is decoded), and an image
     * whose decoding runs past the time budget (its reader is aborted).
     */
    public static RgbImage decode(byte[] bytes, DecodeLimits limits) throws ImageRejectedException {
        long started = System.nanoTime();
        long maxPixels = limits.maxPixels();
        Format format = sniff(bytes);
        ImageContainer.Layout layout = ImageContainer.walk(format, bytes, true, limits.maxJpegScans());
        ImageReader reader = Readers.create(format);
        try (ImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(bytes))) {
            reader.setInput(in, true, true);
            Probe p = probe(format, reader, layout);
            long limit = Math.min(maxPixels, MAX_RGB_PIXELS);
            if (p.pixels() > limit) {
                throw new ImageRejectedException(ImageRejectedException.Reason.TOO_MANY_PIXELS, String.format(
                        Locale.ROOT, "image is %dx%d = %,d pixels, more than the limit of %,d", p.width(),
                        p.height(), p.pixels(), limit));
            }
            if (layout.animated() && format == Format.WEBP) {
                throw new ImageRejectedException(ImageRejectedException.Reason.UNSUPPORTED_FORMAT,
                        "animated WebP images are not supported; send a still image");
            }
            if (layout.problem() != null) {
                throw new ImageRejectedException(ImageRejectedException.Reason.CORRUPT, layout.problem());
            }
            if (layout.refused() != null) {
                throw new ImageRejectedException(ImageRejectedException.Reason.DECODE_LIMIT, layout.refused());
            }
            if (format == Format.PNG && layout.iccProfile() == null) {
                RgbImage plain = PngFastPath.decode(bytes);
                if (plain != null) {
                    // the fast path cannot be aborted midway, but it is bounded by the pixel limit checked above
                    if (System.nanoTime() - started > limits.timeBudget().toNanos()) {
                        throw overBudget(format, limits, started);
                    }
                    return ExifOrientation.apply(plain, layout.orientation());
                }
            }
            List<String> warnings = new ArrayList<>();
            reader.addIIOReadWarningListener((source, warning) -> warnings.add(warning));
            BufferedImage img;
            long budgetLeft = limits.timeBudget().toNanos() - (System.nanoTime() - started);
            java.util.concurrent.atomic.AtomicBoolean aborted = new java.util.concurrent.atomic.AtomicBoolean();
            java.util.concurrent.ScheduledFuture<?> watchdog = WATCHDOG.schedule(() -> {
                aborted.set(true);
                reader.abort();
            }, Math.max(0, budgetLeft), java.util.concurrent.TimeUnit.NANOSECONDS);
            try {
                img = reader.read(0);
            } catch (IOException | RuntimeException e) {
                if (aborted.get()) {
                    throw overBudget(format, limits, started);
                }
                throw corrupt(format, describe(e));
            } finally {
                watchdog.cancel(false);
            }
            if (aborted.get()) {
                throw overBudget(format, limits, started);
            }
            String fatal = fatalWarning(format, warnings);
            if (fatal != null) {
                throw corrupt(format, fatal);
            }
            boolean swap = ExifOrientation.swapsAxes(layout.orientation());
            int storedW = swap ? p.height() : p.width();
            int storedH = swap ? p.width() : p.height();
            if (img == null || img.getWidth() != storedW || img.getHeight() != storedH) {
                throw corrupt(format, "the decoder returned " + (img == null ? "no image"
                        : img.getWidth() + "x" + img.getHeight() + " pixels, the header says " + storedW + "x" + storedH));
            }
            RgbImage rgb = RgbImage.fromBufferedImage(img);
            ICC_Profile profile = sourceProfile(img, format == Format.PNG ? layout.iccProfile() : null);
            if (profile != null) {
                rgb = toSrgb(rgb, profile);
            }
            RgbImage oriented = ExifOrientation.apply(rgb, layout.orientation());
            if (System.nanoTime() - started > limits.timeBudget().toNanos()) {
                throw overBudget(format, limits, started);
            }
            return oriented;
        } catch (ImageRejectedException e) {
            throw e;
        } catch (IOException e) { // closing an in-memory stream
            throw corrupt(format, describe(e));
        } finally {
            reader.dispose();
        }
    }

    /**
     * Reads and {@linkplain #decode decodes} a file; a refusal's message starts with the path.
     *
     * @throws ImageRejectedException as {@link #decode}
     * @throws IOException when the file cannot be read
     */
    public static RgbImage read(Path file, long maxPixels) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        try {
            return decode(bytes, maxPixels);
        } catch (ImageRejectedException e) {
            throw new ImageRejectedException(e.reason(), file + ": " + e.getMessage());
        }
    }

    /**
     * PNG (lossless; {@link PngWriter}) or JPEG at {@code jpegQuality} (1..100; ImageIO's writer). WebP is an input
     * format only. The one encoder of the engine and the worker.
     */
    public static byte[] encode(RgbImage image, Format format, int jpegQuality) throws IOException {
        if (format == Format.WEBP) {
            throw new IllegalArgumentException("WebP is not an output format (png or jpeg)");
        }
        return encode(image, format == Format.PNG ? ImageEncoding.PNG : ImageEncoding.jpeg(jpegQuality));
    }

    /** As {@link #encode(RgbImage, Format, int)}, with the PNG's zlib level too. */
    public static byte[] encode(RgbImage image, ImageEncoding encoding) throws IOException {
        if (encoding.format() == Format.PNG) {
            return PngWriter.write(image, encoding.level());
        }
        int jpegQuality = encoding.level();
        BufferedImage img = image.toBufferedImage();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Iterator<ImageWriter> writers = ImageIO.getImageWritersByFormatName("jpeg");
        if (!writers.hasNext()) {
            throw new IOException("no ImageIO writer for JPEG");
        }
        ImageWriter writer = writers.next();
        try (ImageOutputStream ios = new MemoryCacheImageOutputStream(out)) {
            writer.setOutput(ios);
            ImageWriteParam param = writer.getDefaultWriteParam();
            param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
            param.setCompressionQuality(jpegQuality / 100f);
            writer.write(null, new IIOImage(img, null, null), param);
        } finally {
            writer.dispose();
        }
        return out.toByteArray();
    }

    static Format sniff(byte[] b) throws ImageRejectedException {
        if (b.length >= 8 && (b[0] & 0xff) == 0x89 && b[1] == 'P' && b[2] == 'N' && b[3] == 'G' && b[4] == '\r'
                && b[5] == '\n' && b[6] == 0x1a && b[7] == '\n') {
            return Format.PNG;
        }
        if (b.length >= 3 && (b[0] & 0xff) == 0xFF && (b[1] & 0xff) == 0xD8 && (b[2] & 0xff) == 0xFF) {
            return Format.JPEG;
        }
        if (b.length >= 12 && ascii(b, 0, "RIFF") && ascii(b, 8, "WEBP")) {
            return Format.WEBP;
        }
        String what = b.length == 0 ? "an empty file"
                : b.length >= 3 && ascii(b, 0, "GIF") ? "GIF"
                : b.length >= 2 && ascii(b, 0, "BM") ? "BMP"
                : b.length >= 4 && (ascii(b, 0, "II*\0") || ascii(b, 0, "MM\0*")) ? "TIFF"
                : b.length >= 12 && ascii(b, 4, "ftyp") ? "HEIF/AVIF or another ISO media file"
                : b.length >= 4 && ascii(b, 0, "RIFF") ? "a RIFF file that is not WebP"
                : "not an image the engine knows";
        throw new ImageRejectedException(ImageRejectedException.Reason.UNSUPPORTED_FORMAT,
                "unsupported image format (" + what + "); PNG, JPEG and WebP are accepted");
    }

    // ------------------------------------------------------------------------------------------------ internals

    private static Probe probe(Format format, ImageReader reader, ImageContainer.Layout layout) throws IOException {
        int w;
        int h;
        try {
            w = reader.getWidth(0);
            h = reader.getHeight(0);
        } catch (IOException | RuntimeException e) {
            // the container walk usually says more precisely what is wrong than the reader's exception
            throw layout.problem() != null
                    ? new ImageRejectedException(ImageRejectedException.Reason.CORRUPT, layout.problem())
                    : headerError(format, e);
        }
        if (w < 1 || h < 1) {
            throw new ImageRejectedException(ImageRejectedException.Reason.CORRUPT,
                    "the " + format.label() + " header declares no pixels (" + w + "x" + h + ")");
        }
        return ExifOrientation.swapsAxes(layout.orientation()) ? new Probe(format, h, w) : new Probe(format, w, h);
    }

    private static ImageRejectedException headerError(Format format, Exception e) {
        return e instanceof ImageRejectedException r ? r : new ImageRejectedException(
                ImageRejectedException.Reason.CORRUPT, "cannot read the " + format.label() + " header: " + describe(e));
    }

    private static ImageRejectedException overBudget(Format format, DecodeLimits limits, long startedNanos) {
        return new ImageRejectedException(ImageRejectedException.Reason.DECODE_LIMIT, String.format(Locale.ROOT,
                "decoding the %s image took longer than its time budget of %d ms (stopped after %d ms); refused",
                format.label(), limits.timeBudget().toMillis(), (System.nanoTime() - startedNanos) / 1_000_000));
    }

    private static ImageRejectedException corrupt(Format format, String detail) {
        return new ImageRejectedException(ImageRejectedException.Reason.CORRUPT,
                "the " + format.label() + " file is truncated or corrupt: " + detail);
    }

    private static String describe(Throwable e) {
        String m = e.getMessage();
        if (m == null || m.isBlank()) {
            m = e.getClass().getSimpleName();
        }
        Throwable cause = e.getCause();
        if (cause != null && cause.getMessage() != null && !m.contains(cause.getMessage())) {
            m += " (" + cause.getMessage() + ")";
        } else if (cause != null && cause.getMessage() == null) {
            m += " (" + cause.getClass().getSimpleName() + ")";
        }
        return m;
    }

    /**
     * The first reader warning that means the pixel data is incomplete or damaged. JPEG: libjpeg's
     * "Corrupt JPEG data: ...", "Premature end of JPEG file", the JDK reader's "Truncated File - Missing EOI
     * marker", broken progression or scan parameters; TwelveMonkeys' own warnings (a missing or unusable ICC
     * profile, a bogus APPn segment) are about metadata and are not refusals. WebP: "Nothing to decode". PNG:
     * the JDK reader only warns about ancillary chunks.
     */
    static String fatalWarning(Format format, List<String> warnings) {
        for (String w : warnings) {
            String l = w.toLowerCase(Locale.ROOT);
            boolean fatal = switch (format) {
                case JPEG -> l.contains("corrupt jpeg data") || l.contains("premature end") || l.contains("truncated")
                        || l.contains("missing eoi") || l.contains("inconsistent progression")
                        || l.contains("invalid sos parameters");
                case WEBP -> l.contains("nothing to decode");
                case PNG -> false;
            };
            if (fatal) {
                return w;
            }
        }
        return null;
    }

    /**
     * The RGB profile the decoded samples are in, when it is not sRGB: that of the image's colour model (a
     * reader that kept the file's profile), else a PNG's {@code iCCP} profile (the JDK reader ignores it). Null
     * for sRGB, grey images, unusable profiles and images whose samples AWT already converted.
     */
    private static ICC_Profile sourceProfile(BufferedImage img, byte[] pngIcc) {
        ColorModel cm = img.getColorModel();
        ColorSpace cs = cm.getColorSpace();
        if (cs.getType() != ColorSpace.TYPE_RGB) {
            return null;
        }
        if (cm instanceof ComponentColorModel && cs instanceof ICC_ColorSpace icc && !cs.isCS_sRGB()) {
            return icc.getProfile();
        }
        if (pngIcc == null || !(cm instanceof ComponentColorModel || cm instanceof IndexColorModel)) {
            return null;
        }
        try {
            ICC_Profile p = ICC_Profile.getInstance(pngIcc);
            if (p.getColorSpaceType() != ColorSpace.TYPE_RGB || p.getNumComponents() != 3
                    || Arrays.equals(p.getData(), ICC_Profile.getInstance(ColorSpace.CS_sRGB).getData())) {
                return null;
            }
            return p;
        } catch (IllegalArgumentException | ProfileDataException | CMMException e) {
            return null; // an unreadable profile is ignored, as browsers and Pillow do
        }
    }

    /** {@code rgb}'s samples read in {@code profile}, converted to sRGB; unchanged when the CMM refuses the profile. */
    static RgbImage toSrgb(RgbImage rgb, ICC_Profile profile) {
        int w = rgb.width();
        int h = rgb.height();
        int[] offsets = {0, 1, 2};
        try {
            WritableRaster src = Raster.createInterleavedRaster(new DataBufferByte(rgb.data(), rgb.data().length),
                    w, h, w * 3, 3, offsets, null);
            WritableRaster dst = Raster.createInterleavedRaster(DataBuffer.TYPE_BYTE, w, h, w * 3, 3, offsets, null);
            new ColorConvertOp(new ICC_Profile[] {profile, ICC_Profile.getInstance(ColorSpace.CS_sRGB)}, null)
                    .filter(src, dst);
            return new RgbImage(w, h, ((DataBufferByte) dst.getDataBuffer()).getData());
        } catch (CMMException | IllegalArgumentException | ProfileDataException e) {
            return rgb;
        }
    }

    private static boolean ascii(byte[] b, int off, String s) {
        for (int i = 0; i < s.length(); i++) {
            if (b[off + i] != (byte) s.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    /**
     * The readers, chosen by class rather than by ImageIO's registry order: the JDK's PNG reader, TwelveMonkeys'
     * JPEG reader (which wraps the JDK's) and WebP reader. The TwelveMonkeys providers are registered here
     * when the registry's class-path scan did not find them (an application class loader other than the one
     * ImageIO scanned).
     */
    private static final class Readers {
        private static final ImageReaderSpi PNG = jdk("com.sun.imageio.plugins.png.PNGImageReaderSpi");
        private static final ImageReaderSpi JPEG = registered(JPEGImageReaderSpi.class, JPEGImageReaderSpi::new);
        private static final ImageReaderSpi WEBP = registered(WebPImageReaderSpi.class, WebPImageReaderSpi::new);

        static ImageReader create(Format format) throws ImageRejectedException {
            ImageReaderSpi spi = switch (format) {
                case PNG -> PNG;
                case JPEG -> JPEG;
                case WEBP -> WEBP;
            };
            try {
                return spi.createReaderInstance();
            } catch (IOException e) {
                throw new ImageRejectedException(ImageRejectedException.Reason.UNSUPPORTED_FORMAT,
                        "no reader for " + format.label() + ": " + e.getMessage());
            }
        }

        private static ImageReaderSpi jdk(String className) {
            Iterator<ImageReaderSpi> it = IIORegistry.getDefaultInstance().getServiceProviders(ImageReaderSpi.class, false);
            while (it.hasNext()) {
                ImageReaderSpi spi = it.next();
                if (spi.getClass().getName().equals(className)) {
                    return spi;
                }
            }
            throw new IllegalStateException("the JDK image reader " + className + " is not available");
        }

        private static <T extends ImageReaderSpi> T registered(Class<T> type, Supplier<T> create) {
            IIORegistry registry = IIORegistry.getDefaultInstance();
            T spi = registry.getServiceProviderByClass(type);
            if (spi == null) {
                registry.registerServiceProvider(create.get(), ImageReaderSpi.class);
                spi = registry.getServiceProviderByClass(type);
            }
            if (spi == null) {
                throw new IllegalStateException(type.getName() + " could not be registered with ImageIO");
            }
            return spi;
        }
    }
}
