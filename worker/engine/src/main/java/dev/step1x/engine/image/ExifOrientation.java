package dev.step1x.engine.image;

/**
 * The EXIF {@code Orientation} tag (0x0112): how the stored pixels must be turned to be shown upright. Values
 * 1..8 as in the EXIF/TIFF specifications; anything else (absent, 0, out of range) means 1, "as stored".
 *
 * <pre>
 *   1  as stored                5  transposed (mirrored along the main diagonal)
 *   2  mirrored left-right      6  turned 90 degrees clockwise
 *   3  turned 180 degrees       7  transversed (mirrored along the anti-diagonal)
 *   4  mirrored top-bottom      8  turned 90 degrees counter-clockwise
 * </pre>
 *
 * <p>{@link #apply} produces the image a viewer that honours the tag displays, the same result as Pillow's
 * {@code ImageOps.exif_transpose}.
 */
final class ExifOrientation {

    static final int NORMAL = 1;

    private static final int TAG_ORIENTATION = 0x0112;
    private static final int TYPE_SHORT = 3;
    private static final int TYPE_LONG = 4;

    private ExifOrientation() {}

    /** Whether the displayed image has its width and height swapped relative to the stored one. */
    static boolean swapsAxes(int orientation) {
        return orientation >= 5 && orientation <= 8;
    }

    /**
     * The orientation in a TIFF structure (the body of a JPEG {@code Exif} APP1 segment after its
     * {@code "Exif\0\0"} header, a WebP {@code EXIF} chunk or a PNG {@code eXIf} chunk): the first
     * {@code Orientation} entry of IFD0, or {@link #NORMAL} when there is none or the structure is damaged.
     * A damaged EXIF block is metadata, not image data, so it never makes an image unreadable.
     */
    static int fromTiff(byte[] b, int off, int len) {
        if (off < 0 || len < 8 || off + len > b.length) {
            return NORMAL;
        }
        boolean little;
        if (b[off] == 'I' && b[off + 1] == 'I') {
            little = true;
        } else if (b[off] == 'M' && b[off + 1] == 'M') {
            little = false;
        } else {
            return NORMAL;
        }
        if (u16(b, off + 2, little) != 42) {
            return NORMAL;
        }
        long ifd = u32(b, off + 4, little);
        if (ifd < 8 || ifd + 2 > len) {
            return NORMAL;
        }
        int p = off + (int) ifd;
        int entries = u16(b, p, little);
        int end = off + len;
        for (int i = 0; i < entries; i++) {
            int e = p + 2 + 12 * i;
            if (e + 12 > end) {
                break;
            }
            if (u16(b, e, little) != TAG_ORIENTATION) {
                continue;
            }
            int type = u16(b, e + 2, little);
            long count = u32(b, e + 4, little);
            if (count < 1) {
                return NORMAL;
            }
            long v = type == TYPE_SHORT ? u16(b, e + 8, little) : type == TYPE_LONG ? u32(b, e + 8, little) : 0;
            return v >= 1 && v <= 8 ? (int) v : NORMAL;
        }
        return NORMAL;
    }

    /** The image as displayed: {@code image} turned and/or mirrored as {@code orientation} says. */
    static RgbImage apply(RgbImage image, int orientation) {
        if (orientation < 2 || orientation > 8) {
            return image;
        }
        int w = image.width();
        int h = image.height();
        boolean swap = swapsAxes(orientation);
        int dw = swap ? h : w;
        int dh = swap ? w : h;
        byte[] src = image.data();
        byte[] dst = new byte[src.length];
        int o = 0;
        for (int y = 0; y < dh; y++) {
            for (int x = 0; x < dw; x++) {
                // (sx, sy): the stored pixel shown at displayed (x, y)
                int sx;
                int sy;
                switch (orientation) {
                    case 2 -> { sx = w - 1 - x; sy = y; }
                    case 3 -> { sx = w - 1 - x; sy = h - 1 - y; }
                    case 4 -> { sx = x; sy = h - 1 - y; }
                    case 5 -> { sx = y; sy = x; }
                    case 6 -> { sx = y; sy = h - 1 - x; }
                    case 7 -> { sx = w - 1 - y; sy = h - 1 - x; }
                    default -> { sx = w - 1 - y; sy = x; } // 8
                }
                int s = (sy * w + sx) * RgbImage.CHANNELS;
                dst[o++] = src[s];
                dst[o++] = src[s + 1];
                dst[o++] = src[s + 2];
            }
        }
        return new RgbImage(dw, dh, dst);
    }

    private static int u16(byte[] b, int p, boolean little) {
        int a = b[p] & 0xFF;
        int c = b[p + 1] & 0xFF;
        return little ? a | c << 8 : a << 8 | c;
    }

    private static long u32(byte[] b, int p, boolean little) {
        long lo = u16(b, little ? p : p + 2, little);
        long hi = u16(b, little ? p + 2 : p, little);
        return hi << 16 | lo;
    }
}
