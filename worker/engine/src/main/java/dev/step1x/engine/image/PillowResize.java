package dev.step1x.engine.image;

import java.util.Arrays;

/**
 * Pillow's 8-bit convolution resampling ({@code Image.resize(size, filter)} on mode "RGB", Pillow
 * 9.4 .. 11.1), reproduced byte for byte.
 *
 * <p>The algorithm, per axis (input length {@code in}, output length {@code out}):
 * <ul>
 *   <li>{@code scale = in / out} (double), {@code fs = max(scale, 1)} (antialiasing when shrinking),
 *       {@code support = filter.support * fs};</li>
 *   <li>output index {@code i}: {@code center = (i + 0.5) * scale},
 *       {@code xmin = max((int) (center - support + 0.5), 0)},
 *       {@code xmax = min((int) (center + support + 0.5), in)} ({@code (int)} truncates toward zero);</li>
 *   <li>weights {@code w_j = filter((j + xmin - center + 0.5) * (1 / fs))} for {@code j in [0, xmax - xmin)},
 *       each divided by their double sum (unless it is 0), then converted to 22-bit fixed point
 *       {@code (int) (w * 2^22 + 0.5)} for {@code w >= 0}, {@code (int) (w * 2^22 - 0.5)} otherwise
 *       (round half away from zero);</li>
 *   <li>a sample is {@code clip8((2^21 + sum(px_j * k_j)) >> 22)} in 32-bit integer arithmetic, clipped to 0..255.</li>
 * </ul>
 * The horizontal pass runs first, over only the source rows the vertical pass reads (from the first
 * output row's {@code ymin} to the last output row's {@code ymax}), into an 8-bit temporary image;
 * the vertical pass then reads that. A pass whose dimension is unchanged is skipped; when both are,
 * the result is a copy (Pillow's {@code Image.resize} returns {@code self.copy()}).
 *
 * <p>Coefficients are computed once per axis, so a resize costs no per-pixel allocation.
 */
public final class PillowResize {

    /** Fixed-point precision of the 8-bit path: 32 - 8 - 2 bits. */
    static final int PRECISION_BITS = 22;

    /** Pillow's resampling filters (the convolution ones). */
    public enum Filter {
        /** Pillow {@code Image.BILINEAR} (2): triangle, support 1. */
        BILINEAR(1.0) {
            @Override
            public double weight(double x) {
                if (x < 0.0) {
                    x = -x;
                }
                return x < 1.0 ? 1.0 - x : 0.0;
            }
        },
        /** Pillow {@code Image.BICUBIC} (3), the default of {@code Image.resize} for RGB: cubic with a = -0.5, support 2. */
        BICUBIC(2.0) {
            @Override
            public double weight(double x) {
                final double a = -0.5;
                if (x < 0.0) {
                    x = -x;
                }
                if (x < 1.0) {
                    return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
                }
                if (x < 2.0) {
                    return (((x - 5) * x + 8) * x - 4) * a;
                }
                return 0.0;
            }
        },
        /** Pillow {@code Image.LANCZOS} (1): {@code sinc(x) * sinc(x / 3)} on [-3, 3), support 3. */
        LANCZOS(3.0) {
            @Override
            public double weight(double x) {
                if (-3.0 <= x && x < 3.0) {
                    return sinc(x) * sinc(x / 3);
                }
                return 0.0;
            }
        };

        private final double support;

        Filter(double support) {
            this.support = support;
        }

        /** Half-width of the kernel at scale 1. */
        public double support() {
            return support;
        }

        /** The kernel value at {@code x} (in double, like Pillow's C code). */
        public abstract double weight(double x);

        private static double sinc(double x) {
            if (x == 0.0) {
                return 1.0;
            }
            x = x * Math.PI;
            // StrictMath: reproducible across JVMs. glibc's sin may differ by an ulp; the README's
            // sensitivity check shows such differences do not move the 22-bit coefficients.
            return StrictMath.sin(x) / x;
        }
    }

    /**
     * Fixed-point coefficients of one axis.
     *
     * @param inSize source length
     * @param outSize target length
     * @param ksize coefficients stored per output index
     * @param min first source index of output {@code i} = {@code min[i]}
     * @param count number of source indices of output {@code i}
     * @param k {@code k[i * ksize + j]}: weight of source {@code min[i] + j}, 22-bit fixed point
     */
    record AxisCoefficients(int inSize, int outSize, int ksize, int[] min, int[] count, int[] k) {}

    private PillowResize() {}

    /**
     * Resizes like Pillow's {@code image.resize((newWidth, newHeight), filter)}.
     *
     * @return a new image (a copy when the size is unchanged)
     * @throws IllegalArgumentException for a size below 1 or a null argument
     */
    public static RgbImage resize(RgbImage src, int newWidth, int newHeight, Filter filter) {
        if (src == null || filter == null) {
            throw new IllegalArgumentException("image and filter must not be null");
        }
        if (newWidth < 1 || newHeight < 1) {
            throw new IllegalArgumentException("target size must be at least 1x1, got " + newWidth + "x" + newHeight);
        }
        if ((long) newWidth * newHeight * RgbImage.CHANNELS > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("target size " + newWidth + "x" + newHeight + " is too large");
        }
        if (newWidth == src.width() && newHeight == src.height()) {
            return src.copy();
        }
        byte[] out = resample(src.data(), src.width(), src.height(), RgbImage.CHANNELS, newWidth, newHeight, filter);
        return new RgbImage(newWidth, newHeight, out);
    }

    /**
     * The resampling core on interleaved 8-bit samples with {@code channels} bands (each band
     * resampled independently, as Pillow does for "L", "RGB", "RGBX"...).
     */
    static byte[] resample(byte[] src, int width, int height, int channels, int newWidth, int newHeight, Filter filter) {
        boolean horizontal = newWidth != width;
        boolean vertical = newHeight != height;
        if (!horizontal && !vertical) {
            return src.clone();
        }
        AxisCoefficients vc = vertical ? coefficients(height, newHeight, filter) : null;
        byte[] current = src;
        int rowOffset = 0;
        if (horizontal) {
            AxisCoefficients hc = coefficients(width, newWidth, filter);
            int firstRow = 0;
            int lastRow = height;
            if (vertical) {
                firstRow = vc.min()[0];
                lastRow = vc.min()[newHeight - 1] + vc.count()[newHeight - 1];
            }
            current = horizontalPass(src, width, channels, firstRow, lastRow - firstRow, hc);
            rowOffset = firstRow;
        }
        if (vertical) {
            current = verticalPass(current, horizontal ? newWidth : width, channels, rowOffset, vc);
        }
        return current;
    }

    /** Pillow's {@code precompute_coeffs} followed by {@code normalize_coeffs_8bpc}. */
    static AxisCoefficients coefficients(int inSize, int outSize, Filter filter) {
        if (inSize < 1 || outSize < 1) {
            throw new IllegalArgumentException("axis sizes must be at least 1, got " + inSize + " -> " + outSize);
        }
        // Pillow passes the box as C floats (in0 = 0, in1 = inSize) and divides in double.
        double scale = (double) (float) inSize / outSize;
        double filterScale = Math.max(scale, 1.0);
        double support = filter.support() * filterScale;
        long ksizeLong = (long) Math.ceil(support) * 2 + 1;
        if (ksizeLong * outSize > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("resize " + inSize + " -> " + outSize + " needs too many coefficients");
        }
        int ksize = (int) ksizeLong;
        int[] min = new int[outSize];
        int[] count = new int[outSize];
        int[] k = new int[ksize * outSize];
        double[] w = new double[ksize];
        double ss = 1.0 / filterScale;
        double one = 1 << PRECISION_BITS;
        for (int i = 0; i < outSize; i++) {
            double center = (i + 0.5) * scale;
            int xmin = (int) (center - support + 0.5);
            if (xmin < 0) {
                xmin = 0;
            }
            int xmax = (int) (center + support + 0.5);
            if (xmax > inSize) {
                xmax = inSize;
            }
            int n = xmax - xmin;
            if (n > ksize) {
                // Cannot happen for finite scales; guards the array bounds.
                throw new IllegalStateException("kernel of " + n + " taps exceeds " + ksize);
            }
            double sum = 0.0;
            for (int j = 0; j < n; j++) {
                double v = filter.weight((j + xmin - center + 0.5) * ss);
                w[j] = v;
                sum += v;
            }
            int base = i * ksize;
            for (int j = 0; j < n; j++) {
                double v = sum != 0.0 ? w[j] / sum : w[j];
                k[base + j] = v < 0 ? (int) (-0.5 + v * one) : (int) (0.5 + v * one);
            }
            min[i] = xmin;
            count[i] = Math.max(n, 0);
        }
        return new AxisCoefficients(inSize, outSize, ksize, min, count, k);
    }

    private static byte[] horizontalPass(byte[] src, int width, int channels, int firstRow, int rows, AxisCoefficients c) {
        int outW = c.outSize();
        int inStride = width * channels;
        int outStride = outW * channels;
        byte[] out = new byte[rows * outStride];
        int[] min = c.min();
        int[] count = c.count();
        int[] k = c.k();
        int ksize = c.ksize();
        int half = 1 << (PRECISION_BITS - 1);
        for (int y = 0; y < rows; y++) {
            int inRow = (y + firstRow) * inStride;
            int outRow = y * outStride;
            for (int x = 0; x < outW; x++) {
                int kb = x * ksize;
                int n = count[x];
                int p0 = inRow + min[x] * channels;
                for (int ch = 0; ch < channels; ch++) {
                    int acc = half;
                    int p = p0 + ch;
                    for (int j = 0; j < n; j++, p += channels) {
                        acc += (src[p] & 0xFF) * k[kb + j];
                    }
                    out[outRow + x * channels + ch] = clip8(acc);
                }
            }
        }
        return out;
    }

    private static byte[] verticalPass(byte[] src, int width, int channels, int rowOffset, AxisCoefficients c) {
        int outH = c.outSize();
        int stride = width * channels;
        byte[] out = new byte[outH * stride];
        int[] min = c.min();
        int[] count = c.count();
        int[] k = c.k();
        int ksize = c.ksize();
        int half = 1 << (PRECISION_BITS - 1);
        int[] acc = new int[stride];
        for (int y = 0; y < outH; y++) {
            Arrays.fill(acc, half);
            int kb = y * ksize;
            int n = count[y];
            int firstRow = (min[y] - rowOffset) * stride;
            // Row-wise accumulation: the same 32-bit integer sums as Pillow's per-pixel loop, since
            // two's-complement addition is associative (and these weights cannot overflow anyway).
            for (int j = 0; j < n; j++) {
                int kj = k[kb + j];
                int r = firstRow + j * stride;
                for (int i = 0; i < stride; i++) {
                    acc[i] += (src[r + i] & 0xFF) * kj;
                }
            }
            int o = y * stride;
            for (int i = 0; i < stride; i++) {
                out[o + i] = clip8(acc[i]);
            }
        }
        return out;
    }

    private static byte clip8(int v) {
        if (v >= (1 << PRECISION_BITS << 8)) {
            return (byte) 255;
        }
        if (v <= 0) {
            return 0;
        }
        return (byte) (v >> PRECISION_BITS);
    }
}
