package dev.step1x.engine.nn.fused;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Writes a TorchScript archive (what {@code torch.jit.load} reads) for a parameterless module whose source we
 * generate ourselves, so that libtorch ops DJL's JNI does not expose can be reached through DJL's public module
 * API, without Python and without a native library of our own.
 *
 * <p>The archive is a zip whose entries all sit under one top folder:
 * <ul>
 *   <li>{@code version}: the file format version, {@code 3} (what libtorch itself writes for a module that uses no
 *       versioned operator; every libtorch since 1.x reads it);</li>
 *   <li>{@code constants.pkl}: a pickle of the empty tuple (the module has no tensor constants);</li>
 *   <li>{@code data.pkl}: a protocol-2 pickle that builds one object of class {@code __torch__.<Class>} from the
 *       dict {@code {'training': False}} (the class's only attribute);</li>
 *   <li>{@code code/__torch__.py}: the class, in TorchScript's serialized source form.</li>
 * </ul>
 * Entries are stored uncompressed, as libtorch writes them.
 */
public final class TorchScriptArchive {

    /** The top folder of every entry. */
    static final String ARCHIVE_NAME = "step1x_fused";

    private TorchScriptArchive() {}

    /**
     * @param className the TorchScript class name (without the {@code __torch__.} prefix); a Python identifier
     * @param classSource the source of {@code code/__torch__.py}: the class definition
     * @return the zip bytes
     */
    public static byte[] build(String className, String classSource) {
        if (!className.matches("[A-Za-z_][A-Za-z0-9_]*")) {
            throw new IllegalArgumentException("not a Python identifier: " + className);
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            stored(zip, "data.pkl", modulePickle(className));
            stored(zip, "code/__torch__.py", classSource.getBytes(StandardCharsets.UTF_8));
            stored(zip, "constants.pkl", emptyTuplePickle());
            stored(zip, "version", "3\n".getBytes(StandardCharsets.US_ASCII));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    private static void stored(ZipOutputStream zip, String name, byte[] data) throws IOException {
        ZipEntry e = new ZipEntry(ARCHIVE_NAME + "/" + name);
        e.setMethod(ZipEntry.STORED);
        e.setSize(data.length);
        e.setCompressedSize(data.length);
        CRC32 crc = new CRC32();
        crc.update(data);
        e.setCrc(crc.getValue());
        e.setTime(0L); // reproducible bytes
        zip.putNextEntry(e);
        zip.write(data);
        zip.closeEntry();
    }

    // Pickle opcodes (protocol 2) used below.
    private static final int PROTO = 0x80;
    private static final int GLOBAL = 'c';
    private static final int EMPTY_TUPLE = ')';
    private static final int NEWOBJ = 0x81;
    private static final int EMPTY_DICT = '}';
    private static final int MARK = '(';
    private static final int BINUNICODE = 'X';
    private static final int NEWFALSE = 0x89;
    private static final int SETITEMS = 'u';
    private static final int BUILD = 'b';
    private static final int STOP = '.';

    /** {@code __torch__.<className>} built (NEWOBJ + BUILD) from {@code {'training': False}}. */
    static byte[] modulePickle(String className) {
        ByteArrayOutputStream p = new ByteArrayOutputStream();
        p.write(PROTO);
        p.write(2);
        p.write(GLOBAL);
        p.writeBytes(("__torch__\n" + className + "\n").getBytes(StandardCharsets.US_ASCII));
        p.write(EMPTY_TUPLE);
        p.write(NEWOBJ);
        p.write(EMPTY_DICT);
        p.write(MARK);
        unicode(p, "training");
        p.write(NEWFALSE);
        p.write(SETITEMS);
        p.write(BUILD);
        p.write(STOP);
        return p.toByteArray();
    }

    /** {@code ()}. */
    static byte[] emptyTuplePickle() {
        return new byte[] {(byte) PROTO, 2, (byte) EMPTY_TUPLE, (byte) STOP};
    }

    private static void unicode(ByteArrayOutputStream p, String s) {
        byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
        p.write(BINUNICODE);
        int n = utf8.length; // 4-byte little-endian length
        p.write(n & 0xff);
        p.write((n >>> 8) & 0xff);
        p.write((n >>> 16) & 0xff);
        p.write((n >>> 24) & 0xff);
        p.writeBytes(utf8);
    }
}
