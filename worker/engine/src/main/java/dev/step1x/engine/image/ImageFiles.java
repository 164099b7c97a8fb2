package dev.step1x.engine.image;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Iterator;
import java.util.Locale;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.ImageOutputStream;

/**
 * Reading and writing image files with the checks a service needs before it spends memory: the format
 * is recognised from the magic bytes, the dimensions come from the header, and only then is the image
 * decoded, so a small file that claims to be 100k × 100k pixels is rejected without being decoded.
 */
public final class ImageFiles {

    /** Formats the engine accepts. */
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

    /** Why an image was refused; {@link #reason()} is a stable code for results and exit messages. */
    public static final class ImageRejectedException extends IOException {
        public enum Reason { UNSUPPORTED_FORMAT, TOO_MANY_PIXELS, CORRUPT }

        private final Reason reason;

        public ImageRejectedException(Reason reason, String message) {
            super(message);
            this.reason = reason;
        }

        public Reason reason() {
            return reason;
        }
    }

    /** What the header says. */
    public record Probe(Format format, int width, int height) {
        public long pixels() {
            return (long) width * height;
        }
    }

    private ImageFiles() {}

    /** Format from the magic bytes, dimensions from the header; nothing is decoded. */
    public static Probe probe(byte[] bytes) throws ImageRejectedException {
        Format format = sniff(bytes);
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(bytes))) {
            ImageReader reader = reader(format, in);
            try {
                reader.setInput(in, true, true);
                return new Probe(format, reader.getWidth(0), reader.getHeight(0));
            } finally {
                reader.dispose();
            }
        } catch (ImageRejectedException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new ImageRejectedException(ImageRejectedException.Reason.CORRUPT,
                    "cannot read the " + format + " header: " + e.getMessage());
        }
    }

    /** Probes, checks the pixel limit, then decodes to 8-bit RGB. */
    public static RgbImage decode(byte[] bytes, long maxPixels) throws ImageRejectedException {
        Probe p = probe(bytes);
        if (p.width() < 1 || p.height() < 1) {
            throw new ImageRejectedException(ImageRejectedException.Reason.CORRUPT, "image has no pixels");
        }
        if (p.pixels() > maxPixels) {
            throw new ImageRejectedException(ImageRejectedException.Reason.TOO_MANY_PIXELS, String.format(Locale.ROOT,
                    "image is %dx%d = %,d pixels, more than the limit of %,d", p.width(), p.height(), p.pixels(),
                    maxPixels));
        }
        BufferedImage img;
        try {
            img = ImageIO.read(new ByteArrayInputStream(bytes));
        } catch (IOException | RuntimeException e) {
            throw new ImageRejectedException(ImageRejectedException.Reason.CORRUPT,
                    "cannot decode the " + p.format() + " image: " + e.getMessage());
        }
        if (img == null) {
            throw new ImageRejectedException(ImageRejectedException.Reason.CORRUPT, "cannot decode the " + p.format() + " image");
        }
        return RgbImage.fromBufferedImage(img);
    }

    /** PNG (lossless) or JPEG at {@code jpegQuality} (1..100). */
    public static byte[] encode(RgbImage image, Format format, int jpegQuality) throws IOException {
        BufferedImage img = image.toBufferedImage();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        if (format == Format.PNG) {
            if (!ImageIO.write(img, "png", out)) {
                throw new IOException("no PNG writer");
            }
            return out.toByteArray();
        }
        if (jpegQuality < 1 || jpegQuality > 100) {
            throw new IllegalArgumentException("jpegQuality must be 1..100, got " + jpegQuality);
        }
        ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
        try (ImageOutputStream ios = ImageIO.createImageOutputStream(out)) {
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
        if (b.length >= 8 && (b[0] & 0xff) == 0x89 && b[1] == 'P' && b[2] == 'N' && b[3] == 'G') {
            return Format.PNG;
        }
        if (b.length >= 3 && (b[0] & 0xff) == 0xFF && (b[1] & 0xff) == 0xD8 && (b[2] & 0xff) == 0xFF) {
            return Format.JPEG;
        }
        String what = b.length >= 12 && b[0] == 'R' && b[1] == 'I' && b[8] == 'W' && b[9] == 'E' ? "WebP"
                : b.length >= 3 && b[0] == 'G' && b[1] == 'I' && b[2] == 'F' ? "GIF"
                : b.length == 0 ? "an empty file" : "not an image the engine knows";
        throw new ImageRejectedException(ImageRejectedException.Reason.UNSUPPORTED_FORMAT,
                "unsupported image format (" + what + "); PNG and JPEG are accepted");
    }

    private static ImageReader reader(Format format, ImageInputStream in) throws ImageRejectedException {
        Iterator<ImageReader> readers = ImageIO.getImageReadersByFormatName(format == Format.PNG ? "png" : "jpeg");
        if (!readers.hasNext() || in == null) {
            throw new ImageRejectedException(ImageRejectedException.Reason.UNSUPPORTED_FORMAT, "no reader for " + format);
        }
        return readers.next();
    }
}
