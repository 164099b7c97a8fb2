package dev.step1x.loadtest.gen;

/**
 * An input aspect ratio {@code w:h}. Inputs of one ratio share one bucket per size level and steps.
 *
 * @param w width part
 * @param h height part
 */
public record Aspect(int w, int h) {

    public Aspect {
        if (w <= 0 || h <= 0) {
            throw new IllegalArgumentException("aspect parts must be positive: " + w + ":" + h);
        }
    }

    /** Parses {@code 4:3}. */
    public static Aspect parse(String s) {
        String[] p = s.trim().split(":");
        if (p.length != 2) {
            throw new IllegalArgumentException("aspect must look like 4:3, got '" + s + "'");
        }
        return new Aspect(Integer.parseInt(p[0].trim()), Integer.parseInt(p[1].trim()));
    }

    /** Pixel size of an input with this ratio whose long side is {@code longSide} (both sides even). */
    public int[] size(int longSide) {
        double r = (double) w / h;
        int width = r >= 1 ? longSide : (int) Math.round(longSide * r);
        int height = r >= 1 ? (int) Math.round(longSide / r) : longSide;
        return new int[] {Math.max(2, width & ~1), Math.max(2, height & ~1)};
    }

    @Override
    public String toString() {
        return w + ":" + h;
    }
}
