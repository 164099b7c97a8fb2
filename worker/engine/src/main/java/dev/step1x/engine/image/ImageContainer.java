package dev.step1x.engine.image;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * A walk over the container structure of a PNG, JPEG or WebP file (chunks, segments, markers), without
 * decoding any pixels. It finds what the ImageIO readers do not report or do not check: the EXIF orientation,
 * a PNG's embedded ICC profile, animation, and whether the file is complete. A file that is cut short, whose
 * chunks run past its end, or whose critical PNG chunks fail their CRC is reported through
 * {@link Layout#problem()}; the readers would otherwise decode some of these anyway (the JDK JPEG reader fills
 * a truncated image with grey and only warns; TwelveMonkeys' WebP reader decodes some truncated files).
 *
 * <p>A full walk also finds files that are cheap to send and expensive to decode, reported through
 * {@link Layout#refused()}: a progressive JPEG with more scans than the limit (each scan is another pass over the
 * whole image), and a PNG whose compressed metadata ({@code zTXt}, compressed {@code iTXt}, {@code iCCP}) inflates
 * beyond its limits (a decompression bomb: the JDK reader inflates the text chunks of palette images in full).
 */
final class ImageContainer {

    /** Largest inflated PNG {@code iCCP} profile accepted; a larger one refuses the file. */
    static final int MAX_ICC_BYTES = 4 << 20;
    /** Largest inflated PNG text chunk ({@code zTXt}, compressed {@code iTXt}); a larger one refuses the file. */
    static final int MAX_TEXT_BYTES = 1 << 20;
    /** Most inflated bytes of all compressed PNG metadata chunks together. */
    static final int MAX_INFLATED_METADATA_BYTES = 8 << 20;
    /** Default limit on the scans of a JPEG (a progressive encoder writes about 10; each scan is a pass over the image). */
    public static final int DEFAULT_MAX_JPEG_SCANS = 100;

    /**
     * What the walk found.
     *
     * @param orientation EXIF orientation 1..8 ({@link ExifOrientation#NORMAL} without EXIF)
     * @param iccProfile the PNG {@code iCCP} profile, inflated (null when absent, not a PNG, or not walked in
     *     full); JPEG and WebP profiles are applied by their readers
     * @param animated an animated WebP (ANIM/ANMF chunks) or an APNG ({@code acTL})
     * @param problem why the file is truncated or corrupt, or null when its structure is sound (only
     *     meaningful after a full walk)
     * @param refused why decoding the file would cost too much (a limit it exceeds), or null (full walk only)
     */
    record Layout(int orientation, byte[] iccProfile, boolean animated, String problem, String refused) {

        Layout(int orientation, byte[] iccProfile, boolean animated, String problem) {
            this(orientation, iccProfile, animated, problem, null);
        }
    }

    private ImageContainer() {}

    static Layout walk(ImageFiles.Format format, byte[] b, boolean full) {
        return walk(format, b, full, DEFAULT_MAX_JPEG_SCANS);
    }

    static Layout walk(ImageFiles.Format format, byte[] b, boolean full, int maxJpegScans) {
        return switch (format) {
            case PNG -> png(b, full);
            case JPEG -> jpeg(b, full, maxJpegScans);
            case WEBP -> webp(b, full);
        };
    }

    // ------------------------------------------------------------------------------------------------ PNG

    /**
     * Chunks from the signature to {@code IEND}. A full walk also checks the CRC of every critical chunk
     * (IHDR, PLTE, IDAT, IEND; a bad one is corruption, as for libpng) and of the ancillary chunks it uses
     * ({@code eXIf}, {@code iCCP}; a bad one is ignored), and inflates {@code iCCP}.
     */
    static Layout png(byte[] b, boolean full) {
        int orientation = ExifOrientation.NORMAL;
        boolean exifSeen = false;
        byte[] icc = null;
        boolean animated = false;
        boolean idat = false;
        String problem = null;
        String refused = null;
        long inflatedMetadata = 0;
        int pos = 8;
        boolean first = true;
        CRC32 crc = new CRC32();
        while (true) {
            if (pos + 8 > b.length) {
                problem = String.format(Locale.ROOT, "the PNG file is truncated: it ends after %,d bytes, before its "
                        + "IEND chunk", b.length);
                break;
            }
            long length = be32(b, pos);
            String type = new String(b, pos + 4, 4, StandardCharsets.ISO_8859_1);
            if (length > Integer.MAX_VALUE || pos + 12 + length > b.length) {
                problem = String.format(Locale.ROOT, "the PNG file is truncated: chunk %s at byte %,d declares %,d "
                        + "bytes of data, the file ends after %,d bytes", printable(type), pos, length, b.length);
                break;
            }
            int len = (int) length;
            if (first && !type.equals("IHDR")) {
                problem = "the PNG file is corrupt: its first chunk is " + printable(type) + ", not IHDR";
                break;
            }
            first = false;
            boolean critical = (b[pos + 4] & 0x20) == 0;
            boolean crcOk = true;
            if (full && (critical || type.equals("eXIf") || type.equals("iCCP"))) {
                crc.reset();
                crc.update(b, pos + 4, 4 + len);
                crcOk = crc.getValue() == be32(b, pos + 8 + len);
                if (!crcOk && critical) {
                    problem = String.format(Locale.ROOT, "the PNG file is corrupt: chunk %s at byte %,d fails its "
                            + "CRC check", printable(type), pos);
                    break;
                }
            }
            int data = pos + 8;
            switch (type) {
                case "IDAT" -> idat = true;
                case "acTL" -> animated = true;
                case "eXIf" -> {
                    if (!exifSeen && crcOk) {
                        exifSeen = true;
                        orientation = ExifOrientation.fromTiff(b, data, len);
                    }
                }
                case "iCCP" -> {
                    if (full && crcOk && icc == null) {
                        icc = inflateIcc(b, data, len);
                    }
                }
                default -> { }
            }
            if (full && refused == null) {
                // measured whatever the CRC says: a reader that does not check it would inflate the chunk anyway
                int compressed = compressedStart(type, b, data, len);
                if (compressed >= 0) {
                    int limit = type.equals("iCCP") ? MAX_ICC_BYTES : MAX_TEXT_BYTES;
                    long size = inflatedSize(b, compressed, data + len - compressed, limit);
                    inflatedMetadata += Math.max(0, size);
                    if (size > limit) {
                        refused = String.format(Locale.ROOT, "the PNG file's %s chunk at byte %,d inflates from %,d "
                                + "bytes to more than %,d (a decompression bomb); refused", printable(type), pos,
                                data + len - compressed, limit);
                    } else if (inflatedMetadata > MAX_INFLATED_METADATA_BYTES) {
                        refused = String.format(Locale.ROOT, "the PNG file's compressed metadata chunks inflate to "
                                + "more than %,d bytes together (a decompression bomb); refused",
                                MAX_INFLATED_METADATA_BYTES);
                    }
                }
            }
            pos += 12 + len;
            if (type.equals("IEND")) {
                break;
            }
        }
        if (problem == null && !idat) {
            problem = "the PNG file is corrupt: it has no image data (IDAT chunk)";
        }
        return new Layout(orientation, icc, animated, problem, refused);
    }

    /**
     * Where the zlib data of a compressed metadata chunk starts: {@code iCCP} and {@code zTXt} (keyword, NUL,
     * method), {@code iTXt} with its compression flag set (keyword, NUL, flag, method, language, NUL, translated
     * keyword, NUL); -1 for any other chunk, an uncompressed iTXt, or a malformed one.
     */
    private static int compressedStart(String type, byte[] b, int off, int len) {
        if (!type.equals("iCCP") && !type.equals("zTXt") && !type.equals("iTXt")) {
            return -1;
        }
        int end = off + len;
        int nul = indexOf(b, off, Math.min(end, off + 80), (byte) 0);
        if (nul < 0) {
            return -1;
        }
        if (!type.equals("iTXt")) {
            return nul + 2 <= end ? nul + 2 : -1;
        }
        if (nul + 3 > end || b[nul + 1] != 1) {
            return -1; // not compressed
        }
        int language = indexOf(b, nul + 3, end, (byte) 0);
        int translated = language < 0 ? -1 : indexOf(b, language + 1, end, (byte) 0);
        return translated < 0 ? -1 : translated + 1;
    }

    private static int indexOf(byte[] b, int from, int to, byte value) {
        for (int i = from; i < to; i++) {
            if (b[i] == value) {
                return i;
            }
        }
        return -1;
    }

    /**
     * Bytes the zlib stream inflates to, counted without keeping them and stopping once past {@code limit}
     * (so a bomb costs at most that much work); -1 when the stream is malformed.
     */
    static long inflatedSize(byte[] b, int off, int len, long limit) {
        Inflater inflater = new Inflater();
        try {
            inflater.setInput(b, off, Math.max(0, len));
            byte[] buf = new byte[16384];
            long total = 0;
            while (!inflater.finished() && total <= limit) {
                int n = inflater.inflate(buf);
                if (n == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
                    break;
                }
                total += n;
            }
            return total;
        } catch (DataFormatException e) {
            return -1;
        } finally {
            inflater.end();
        }
    }

    /** {@code iCCP}: keyword, NUL, compression method 0, zlib data. Null when malformed or too large. */
    private static byte[] inflateIcc(byte[] b, int off, int len) {
        int nul = -1;
        for (int i = off; i < off + Math.min(len, 80); i++) {
            if (b[i] == 0) {
                nul = i;
                break;
            }
        }
        if (nul < 0 || nul + 2 > off + len || b[nul + 1] != 0) {
            return null;
        }
        Inflater inflater = new Inflater();
        try {
            inflater.setInput(b, nul + 2, off + len - nul - 2);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buf = new byte[8192];
            while (!inflater.finished()) {
                int n = inflater.inflate(buf);
                if (n == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
                    return null;
                }
                out.write(buf, 0, n);
                if (out.size() > MAX_ICC_BYTES) {
                    return null;
                }
            }
            return out.toByteArray();
        } catch (DataFormatException e) {
            return null;
        } finally {
            inflater.end();
        }
    }

    // ------------------------------------------------------------------------------------------------ JPEG

    /**
     * Marker segments from SOI to the first SOS (the EXIF orientation comes from the first {@code Exif} APP1
     * segment); a full walk then follows the entropy-coded data and any further segments (progressive scans,
     * tables) to the EOI marker. Data after EOI (thumbnails of multi-picture files, padding) is ignored.
     */
    static Layout jpeg(byte[] b, boolean full) {
        return jpeg(b, full, DEFAULT_MAX_JPEG_SCANS);
    }

    static Layout jpeg(byte[] b, boolean full, int maxScans) {
        int orientation = ExifOrientation.NORMAL;
        boolean exifSeen = false;
        int pos = 2;
        boolean sos = false;
        String problem = null;
        // header segments
        while (!sos) {
            if (pos < b.length && b[pos] != (byte) 0xFF) {
                problem = String.format(Locale.ROOT, "the JPEG file is corrupt: byte %,d should start a marker", pos);
                break;
            }
            int m = nextMarker(b, pos);
            if (m < 0) {
                problem = truncatedJpeg(b);
                break;
            }
            int marker = b[m] & 0xFF;
            pos = m + 1;
            if (marker == 0xD9) {
                problem = "the JPEG file is corrupt: it ends (EOI marker) before any image data";
                break;
            }
            if (standalone(marker)) {
                continue;
            }
            if (pos + 2 > b.length) {
                problem = truncatedJpeg(b);
                break;
            }
            int len = be16(b, pos);
            if (len < 2) {
                problem = String.format(Locale.ROOT, "the JPEG file is corrupt: marker 0x%02X at byte %,d has a "
                        + "segment length of %d", marker, m - 1, len);
                break;
            }
            if (pos + len > b.length) {
                problem = truncatedJpeg(b);
                break;
            }
            if (marker == 0xE1 && !exifSeen && len >= 2 + 6 + 8 && b[pos + 2] == 'E' && b[pos + 3] == 'x'
                    && b[pos + 4] == 'i' && b[pos + 5] == 'f' && b[pos + 6] == 0 && b[pos + 7] == 0) {
                exifSeen = true;
                orientation = ExifOrientation.fromTiff(b, pos + 8, len - 8);
            }
            pos += len;
            sos = marker == 0xDA;
        }
        String refused = null;
        if (problem == null && full) {
            int[] scans = {1};
            problem = jpegScansToEoi(b, pos, scans, maxScans);
            if (scans[0] > maxScans) {
                problem = null;
                refused = String.format(Locale.ROOT, "the JPEG file has more than %d scans (found %d before giving up); "
                        + "each scan is another pass over the whole image: refused", maxScans, scans[0]);
            }
        }
        return new Layout(orientation, null, false, problem, refused);
    }

    /**
     * Follows entropy-coded data and segments from {@code pos} (just after an SOS segment) to EOI, counting the
     * scans in {@code scans[0]} and stopping once there are more than {@code maxScans}.
     */
    private static String jpegScansToEoi(byte[] b, int pos, int[] scans, int maxScans) {
        int n = b.length;
        int i = pos;
        while (true) {
            // entropy-coded data: 0xFF 0x00 is a stuffed byte, 0xFF 0xD0..D7 a restart marker, 0xFF 0xFF fill
            while (true) {
                while (i < n && b[i] != (byte) 0xFF) {
                    i++;
                }
                if (i + 1 >= n) {
                    return truncatedJpeg(b);
                }
                int next = b[i + 1] & 0xFF;
                if (next == 0x00 || (next >= 0xD0 && next <= 0xD7)) {
                    i += 2;
                } else if (next == 0xFF) {
                    i += 1;
                } else {
                    break;
                }
            }
            int marker = b[i + 1] & 0xFF;
            if (marker == 0xD9) {
                return null;
            }
            if (marker == 0xDA && ++scans[0] > maxScans) {
                return null;
            }
            if (!betweenScans(marker)) {
                return String.format(Locale.ROOT, "the JPEG file is corrupt: marker 0x%02X at byte %,d cannot appear "
                        + "in the image data", marker, i);
            }
            int seg = i + 2;
            if (seg + 2 > n) {
                return truncatedJpeg(b);
            }
            int len = be16(b, seg);
            if (len < 2) {
                return String.format(Locale.ROOT, "the JPEG file is corrupt: marker 0x%02X at byte %,d has a segment "
                        + "length of %d", marker, i, len);
            }
            if (seg + len > n) {
                return String.format(Locale.ROOT, "the JPEG file is truncated or corrupt: the segment of marker 0x%02X "
                        + "at byte %,d declares %,d bytes, past the end of the file (%,d bytes)", marker, i, len, n);
            }
            i = seg + len;
        }
    }

    /** Index of the marker code after the 0xFF (and fill bytes) at {@code pos}, or -1 at the end of the file. */
    private static int nextMarker(byte[] b, int pos) {
        int i = pos;
        while (i < b.length && b[i] == (byte) 0xFF) {
            i++;
        }
        return i < b.length ? i : -1;
    }

    /** Markers that may follow a scan: tables (DHT, DAC, DQT, DRI), another scan, DNL, comments, APPn. */
    private static boolean betweenScans(int marker) {
        return marker == 0xC4 || marker == 0xCC || marker == 0xDA || marker == 0xDB || marker == 0xDC
                || marker == 0xDD || marker == 0xFE || (marker >= 0xE0 && marker <= 0xEF);
    }

    private static boolean standalone(int marker) {
        return marker == 0x01 || (marker >= 0xD0 && marker <= 0xD8);
    }

    private static String truncatedJpeg(byte[] b) {
        return String.format(Locale.ROOT, "the JPEG file is truncated: it ends after %,d bytes, before its "
                + "end-of-image marker", b.length);
    }

    // ------------------------------------------------------------------------------------------------ WebP

    /**
     * RIFF chunks within the length the RIFF header declares (bytes after it are ignored, as libwebp does).
     * The EXIF orientation comes from the {@code EXIF} chunk. A full walk also checks that the image chunk
     * (VP8 or VP8L) has a valid frame header, that a lossy frame's first partition fits in its chunk, and that
     * the image inside a VP8X file has the size of its canvas.
     */
    static Layout webp(byte[] b, boolean full) {
        int orientation = ExifOrientation.NORMAL;
        boolean exifSeen = false;
        boolean animated = false;
        String problem = null;
        long declared = le32(b, 4) + 8;
        if (declared > b.length) {
            problem = String.format(Locale.ROOT, "the WebP file is truncated: its RIFF header declares %,d bytes, "
                    + "the file has %,d", declared, b.length);
        }
        int end = (int) Math.min(declared, b.length);
        int pos = 12;
        int canvasW = -1;
        int canvasH = -1;
        int imageW = -1;
        int imageH = -1;
        int images = 0;
        boolean first = true;
        while (pos + 8 <= end) {
            String type = new String(b, pos, 4, StandardCharsets.ISO_8859_1);
            long size = le32(b, pos + 4);
            int data = pos + 8;
            if (first && !type.equals("VP8 ") && !type.equals("VP8L") && !type.equals("VP8X")) {
                problem = "the WebP file is corrupt: its first chunk is " + printable(type) + ", not VP8, VP8L or VP8X";
                break;
            }
            first = false;
            if (data + size > end) {
                if (problem == null) {
                    problem = String.format(Locale.ROOT, "the WebP file is truncated: chunk %s at byte %,d declares "
                            + "%,d bytes, the RIFF data ends after %,d", printable(type), pos, size, end);
                }
                break;
            }
            int len = (int) size;
            switch (type) {
                case "VP8X" -> {
                    if (len >= 10) {
                        animated |= (b[data] & 0x02) != 0;
                        canvasW = 1 + le24(b, data + 4);
                        canvasH = 1 + le24(b, data + 7);
                    }
                }
                case "ANIM", "ANMF" -> animated = true;
                case "EXIF" -> {
                    if (!exifSeen) {
                        exifSeen = true;
                        // the chunk holds a TIFF structure; some writers keep JPEG's "Exif\0\0" in front of it
                        int skip = len >= 6 && b[data] == 'E' && b[data + 1] == 'x' && b[data + 2] == 'i'
                                && b[data + 3] == 'f' && b[data + 4] == 0 && b[data + 5] == 0 ? 6 : 0;
                        orientation = ExifOrientation.fromTiff(b, data + skip, len - skip);
                    }
                }
                case "VP8 " -> {
                    images++;
                    if (len < 10) {
                        problem = orElse(problem, "the WebP file is corrupt: its VP8 chunk is too short for a frame header");
                        break;
                    }
                    int tag = (b[data] & 0xFF) | (b[data + 1] & 0xFF) << 8 | (b[data + 2] & 0xFF) << 16;
                    int firstPartition = tag >>> 5;
                    if ((tag & 1) != 0 || (b[data + 3] & 0xFF) != 0x9D || (b[data + 4] & 0xFF) != 0x01
                            || (b[data + 5] & 0xFF) != 0x2A) {
                        problem = orElse(problem, "the WebP file is corrupt: its VP8 chunk does not start with a key "
                                + "frame header");
                    } else if (firstPartition > len - 10) {
                        problem = orElse(problem, String.format(Locale.ROOT, "the WebP file is truncated: its VP8 "
                                + "first partition declares %,d bytes, the chunk holds %,d", firstPartition, len - 10));
                    }
                    imageW = ((b[data + 6] & 0xFF) | (b[data + 7] & 0xFF) << 8) & 0x3FFF;
                    imageH = ((b[data + 8] & 0xFF) | (b[data + 9] & 0xFF) << 8) & 0x3FFF;
                }
                case "VP8L" -> {
                    images++;
                    if (len < 5 || b[data] != 0x2F) {
                        problem = orElse(problem, "the WebP file is corrupt: its VP8L chunk has no lossless signature");
                        break;
                    }
                    long bits = le32(b, data + 1);
                    imageW = 1 + (int) (bits & 0x3FFF);
                    imageH = 1 + (int) ((bits >>> 14) & 0x3FFF);
                }
                default -> { }
            }
            pos = data + len + (len & 1);
        }
        if (full && problem == null) {
            if (images == 0 && !animated) {
                problem = "the WebP file is corrupt: it has no image data (VP8 or VP8L chunk)";
            } else if (!animated && canvasW > 0 && (imageW != canvasW || imageH != canvasH)) {
                problem = String.format(Locale.ROOT, "the WebP file is corrupt: its canvas is %dx%d but its image "
                        + "data is %dx%d", canvasW, canvasH, imageW, imageH);
            }
        }
        return new Layout(orientation, null, animated, problem);
    }

    // ------------------------------------------------------------------------------------------------ bytes

    private static String orElse(String existing, String next) {
        return existing != null ? existing : next;
    }

    private static String printable(String fourCc) {
        StringBuilder s = new StringBuilder();
        for (char c : fourCc.toCharArray()) {
            s.append(c >= 0x20 && c < 0x7F ? String.valueOf(c) : String.format(Locale.ROOT, "\\x%02X", (int) c));
        }
        return "'" + s + "'";
    }

    private static int be16(byte[] b, int p) {
        return (b[p] & 0xFF) << 8 | (b[p + 1] & 0xFF);
    }

    private static long be32(byte[] b, int p) {
        return (long) (b[p] & 0xFF) << 24 | (b[p + 1] & 0xFF) << 16 | (b[p + 2] & 0xFF) << 8 | (b[p + 3] & 0xFF);
    }

    private static int le24(byte[] b, int p) {
        return (b[p] & 0xFF) | (b[p + 1] & 0xFF) << 8 | (b[p + 2] & 0xFF) << 16;
    }

    private static long le32(byte[] b, int p) {
        return (b[p] & 0xFF) | (b[p + 1] & 0xFF) << 8 | (b[p + 2] & 0xFF) << 16 | (long) (b[p + 3] & 0xFF) << 24;
    }
}
