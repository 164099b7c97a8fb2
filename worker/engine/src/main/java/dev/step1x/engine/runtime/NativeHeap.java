package dev.step1x.engine.runtime;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Structure;

/**
 * Bytes the C library's allocator has handed out and not yet had back (glibc's {@code mallinfo2}: {@code uordblks}
 * + {@code hblkhd}, over every arena): libtorch's host tensors, the JVM's own native allocations, everything malloc'd.
 *
 * <p>Why not the resident size: the worker runs with a high malloc trim threshold (freed memory is kept for the next
 * batch instead of being unmapped and faulted in again), so its resident size is a high-water mark that grows in
 * steps as new shapes come and never comes down. Memory in use, unlike that, drops back after every batch: its
 * slope over hours is the leak detector.
 */
public final class NativeHeap {

    private NativeHeap() {}

    /** glibc's {@code struct mallinfo2}: ten {@code size_t} (64-bit on the Linux targets we run). */
    @Structure.FieldOrder({"arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks",
            "fordblks", "keepcost"})
    public static class MallInfo2 extends Structure implements Structure.ByValue {
        public long arena;
        public long ordblks;
        public long smblks;
        public long hblks;
        /** Bytes in mmapped chunks (allocations above the mmap threshold). */
        public long hblkhd;
        public long usmblks;
        public long fsmblks;
        /** Bytes in chunks in use (all arenas). */
        public long uordblks;
        public long fordblks;
        public long keepcost;
    }

    interface LibC extends Library {
        MallInfo2 mallinfo2();
    }

    private static final LibC LIBC = load();

    private static LibC load() {
        try {
            LibC c = Native.load("c", LibC.class);
            c.mallinfo2();                 // glibc 2.33+: fail here, not on the metrics thread
            return c;
        } catch (Throwable e) {            // not Linux/glibc, or JNA's native part unavailable
            return null;
        }
    }

    /** Bytes malloc has handed out and not had back; -1 where glibc's mallinfo2 is not available. */
    public static long inUseBytes() {
        if (LIBC == null) {
            return -1;
        }
        MallInfo2 m = LIBC.mallinfo2();
        return m.uordblks + m.hblkhd;
    }
}
