package dev.step1x.engine.parity;

/** Elementwise acceptance |actual - expected| <= atol + rtol * |expected|. */
public record Tolerance(double atol, double rtol) {

    public static final Tolerance EXACT = new Tolerance(0, 0);

    public static Tolerance of(double atolAndRtol) {
        return new Tolerance(atolAndRtol, atolAndRtol);
    }

    public static Tolerance abs(double atol) {
        return new Tolerance(atol, 0);
    }

    @Override
    public String toString() {
        if (atol == 0 && rtol == 0) {
            return "exact";
        }
        return rtol == 0 ? String.format("atol %.0e", atol) : String.format("atol %.0e rtol %.0e", atol, rtol);
    }
}
