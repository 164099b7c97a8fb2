package dev.step1x.engine.parity;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import java.util.Locale;

/** Compares an engine output with a golden tensor in float64. */
public final class TensorComparison {

    /**
     * @param maxAbsDiff NaN when the shapes differ or a value is NaN
     * @param exactFraction the fraction of values exactly equal (NaN when the shapes differ)
     */
    public record Result(boolean pass, double maxAbsDiff, double exactFraction, String note) {

        public Result(boolean pass, double maxAbsDiff, String note) {
            this(pass, maxAbsDiff, Double.NaN, note);
        }
    }

    private TensorComparison() {}

    public static Result compare(NDArray actual, NDArray expected, Tolerance tol) {
        if (!actual.getShape().equals(expected.getShape())) {
            return new Result(false, Double.NaN,
                    "shape " + actual.getShape() + ", expected " + expected.getShape());
        }
        if (expected.getShape().size() == 0) {
            return new Result(true, 0, 1, "empty");
        }
        if (tol.bitwise()) {
            return compareBits(actual, expected);
        }
        try (NDArray a = actual.toType(DataType.FLOAT64, true);
                NDArray b = expected.toType(DataType.FLOAT64, true);
                NDArray diff = a.sub(b).abs();
                NDArray bound = b.abs().mul(tol.rtol()).add(tol.atol());
                NDArray within = diff.lte(bound);
                NDArray equal = diff.eq(0);
                NDArray max = diff.max()) {
            double maxAbs = max.getDouble();
            long size = within.size();
            // lte is false for NaN, so a NaN anywhere fails.
            long bad = size - within.toType(DataType.INT64, false).sum().getLong();
            long exact = equal.toType(DataType.INT64, false).sum().getLong();
            double exactFraction = (double) exact / size;
            String exactNote = String.format(Locale.ROOT, "%.3f%% exact", 100.0 * exactFraction);
            if (bad != 0) {
                return new Result(false, maxAbs, exactFraction, bad + " of " + size + " values outside tolerance"
                        + (tol.minExactFraction() > 0 ? ", " + exactNote : ""));
            }
            if (exactFraction < tol.minExactFraction()) {
                return new Result(false, maxAbs, exactFraction, exactNote + ", below the required "
                        + String.format(Locale.ROOT, "%.3f%%", 100.0 * tol.minExactFraction()));
            }
            return new Result(true, maxAbs, exactFraction, "");
        }
    }

    /** Same float32 bits everywhere (-0 differs from +0), NaN exactly where expected is NaN (any payload). */
    private static Result compareBits(NDArray actual, NDArray expected) {
        float[] a;
        float[] b;
        try (NDArray fa = actual.toType(DataType.FLOAT32, true); NDArray fb = expected.toType(DataType.FLOAT32, true)) {
            a = fa.toFloatArray();
            b = fb.toFloatArray();
        }
        long bad = 0;
        double maxAbs = 0;
        for (int i = 0; i < a.length; i++) {
            boolean nanA = Float.isNaN(a[i]);
            boolean nanB = Float.isNaN(b[i]);
            if (nanA || nanB) {
                bad += nanA == nanB ? 0 : 1;
                continue;
            }
            maxAbs = Math.max(maxAbs, Math.abs((double) a[i] - b[i]));
            if (Float.floatToRawIntBits(a[i]) != Float.floatToRawIntBits(b[i])) {
                bad++;
            }
        }
        return bad == 0 ? new Result(true, maxAbs, "")
                : new Result(false, maxAbs, bad + " of " + a.length + " values differ in their bits (or NaN-ness)");
    }
}
