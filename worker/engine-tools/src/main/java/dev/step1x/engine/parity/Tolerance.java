package dev.step1x.engine.parity;

import java.util.Locale;

/**
 * Elementwise acceptance {@code |actual - expected| <= atol + rtol * |expected|}, and, when
 * {@code minExactFraction > 0}, at least that fraction of the values exactly equal (the golden sets' rule
 * for uint8 images: a truncating float-to-uint8 conversion flips values that sit within float noise of an
 * integer, so a few may be off by one, but a systematic shift of one level is a bug); or, {@code bitwise},
 * the same float32 bit patterns (the sign of zero included) with NaN wherever the expected value is NaN.
 *
 * @param minExactFraction in [0, 1]; 0 = no such requirement
 */
public record Tolerance(double atol, double rtol, double minExactFraction, boolean bitwise) {

    public static final Tolerance EXACT = new Tolerance(0, 0);

    /** uint8 images produced through a float32 computation: |Δ| <= 1 and >= 99 % of the values exact. */
    public static final Tolerance UINT8_IMAGE = new Tolerance(1, 0, 0.99);

    /** Bit-exact float32 values, NaN matching NaN (decoded FP8 tables and conversions). */
    public static final Tolerance BITWISE = new Tolerance(0, 0, 0, true);

    public Tolerance {
        if (!(atol >= 0) || !(rtol >= 0)) {
            throw new IllegalArgumentException("atol and rtol must be >= 0, got " + atol + ", " + rtol);
        }
        if (!(minExactFraction >= 0 && minExactFraction <= 1)) {
            throw new IllegalArgumentException("minExactFraction must be in [0, 1], got " + minExactFraction);
        }
    }

    public Tolerance(double atol, double rtol, double minExactFraction) {
        this(atol, rtol, minExactFraction, false);
    }

    public Tolerance(double atol, double rtol) {
        this(atol, rtol, 0);
    }

    public static Tolerance of(double atolAndRtol) {
        return new Tolerance(atolAndRtol, atolAndRtol);
    }

    public static Tolerance abs(double atol) {
        return new Tolerance(atol, 0);
    }

    /** This bound with at least {@code fraction} of the values exactly equal. */
    public Tolerance withMinExact(double fraction) {
        return new Tolerance(atol, rtol, fraction, bitwise);
    }

    @Override
    public String toString() {
        if (bitwise) {
            return "bitwise (NaN=NaN)";
        }
        String exact = minExactFraction > 0
                ? String.format(Locale.ROOT, " >=%s%% exact", new java.math.BigDecimal(minExactFraction * 100)
                        .round(new java.math.MathContext(4)).stripTrailingZeros().toPlainString())
                : "";
        if (atol == 0 && rtol == 0) {
            return "exact";
        }
        return (rtol == 0 ? String.format(Locale.ROOT, "atol %.0e", atol)
                : String.format(Locale.ROOT, "atol %.0e rtol %.0e", atol, rtol)) + exact;
    }
}
