package dev.step1x.engine.parity;

/**
 * Elementwise acceptance |actual - expected| <= atol + rtol * |expected|; or, {@code bitwise}, the same float32
 * bit patterns (the sign of zero included) with NaN wherever the expected value is NaN (any payload).
 */
public record Tolerance(double atol, double rtol, boolean bitwise) {

    public static final Tolerance EXACT = new Tolerance(0, 0);

    /** Bit-exact float32 values, NaN matching NaN (decoded FP8 tables and conversions). */
    public static final Tolerance BITWISE = new Tolerance(0, 0, true);

    public Tolerance(double atol, double rtol) {
        this(atol, rtol, false);
    }

    public static Tolerance of(double atolAndRtol) {
        return new Tolerance(atolAndRtol, atolAndRtol);
    }

    public static Tolerance abs(double atol) {
        return new Tolerance(atol, 0);
    }

    @Override
    public String toString() {
        if (bitwise) {
            return "bitwise (NaN=NaN)";
        }
        if (atol == 0 && rtol == 0) {
            return "exact";
        }
        return rtol == 0 ? String.format("atol %.0e", atol) : String.format("atol %.0e rtol %.0e", atol, rtol);
    }
}
