package dev.step1x.engine.weights;

import java.util.Arrays;

/** Small helpers for shapes given as {@code long[]}. */
public final class Shapes {

    private Shapes() {}

    /** Number of elements; throws on overflow instead of wrapping. */
    public static long numel(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    public static String str(long[] shape) {
        return Arrays.toString(shape);
    }
}
