package dev.step1x.engine.weights;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Locale;

/**
 * The two 8-bit float formats of safetensors files, bit-exact with PyTorch's {@code float8_e4m3fn} and
 * {@code float8_e5m2}. DJL has no 8-bit float type, so the engine holds FP8 weights as their bytes (DJL
 * {@code UINT8}) and decodes them with a 256-entry table ({@link #table}); every FP8 value is exact in
 * float16 and float32, so decoding loses nothing.
 *
 * <p><b>Encoding to e4m3fn</b> ({@link #encodeE4m3fn}) is PyTorch's float32 → float8_e4m3fn conversion: round to
 * nearest, ties to even, subnormals kept (the smallest is 2^-9), {@code -0} keeps its sign, NaN becomes
 * {@code 0x7F|sign}. Values that round beyond the largest finite value 448 (|x| &gt; 464, and ±inf) follow
 * {@link Overflow}: current PyTorch saturates them to ±448 ({@link Overflow#SATURATE}, the engine's default);
 * PyTorch before April 2026 turned them into NaN ({@link Overflow#NAN}). Weights are nowhere near 448, so the
 * choice only matters for unusual checkpoints.
 */
public final class Float8 {

    private Float8() {}

    /** The two formats. */
    public enum Format {
        /** 1 sign, 4 exponent bits (bias 7), 3 mantissa bits, no infinities; 0x7F/0xFF are NaN; max 448. */
        E4M3FN(DType.F8_E4M3),
        /** 1 sign, 5 exponent bits (bias 15), 2 mantissa bits: the top byte of an IEEE float16; max 57344. */
        E5M2(DType.F8_E5M2);

        private final DType dtype;
        private final float[] table = new float[256];

        Format(DType dtype) {
            this.dtype = dtype;
            for (int b = 0; b < 256; b++) {
                table[b] = dtype == DType.F8_E4M3 ? decodeE4m3fn(b) : decodeE5m2(b);
            }
        }

        /** The safetensors dtype of this format. */
        public DType dtype() {
            return dtype;
        }

        /** The float32 value of each byte 0..255 (a copy). */
        public float[] table() {
            return table.clone();
        }

        /** The float32 value of byte {@code b} (only its low 8 bits count). */
        public float decode(int b) {
            return table[b & 0xFF];
        }

        /** The format of a safetensors dtype; an error for any other dtype. */
        public static Format of(DType dtype) {
            return switch (dtype) {
                case F8_E4M3 -> E4M3FN;
                case F8_E5M2 -> E5M2;
                default -> throw new IllegalArgumentException(dtype + " is not an 8-bit float type");
            };
        }
    }

    /** What encoding to e4m3fn does with values beyond ±448 (see the class comment). */
    public enum Overflow {
        /** ±448 (0x7E/0xFE): PyTorch since April 2026 (and CUDA's SATFINITE conversion). The default. */
        SATURATE,
        /** NaN (0x7F/0xFF): PyTorch before that change, ml_dtypes, OCP OFP8 non-saturating mode. */
        NAN;

        /** "saturate" / "nan" (case-insensitive); the error names the accepted forms. */
        public static Overflow parse(String s) {
            String v = s == null ? "" : s.trim().toLowerCase(Locale.ROOT);
            return switch (v) {
                case "saturate", "satfinite", "sat" -> SATURATE;
                case "nan" -> NAN;
                default -> throw new IllegalArgumentException("fp8 overflow '" + s + "' is not one of: saturate, nan");
            };
        }

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** The float32 bit pattern PyTorch gives a NaN e4m3fn byte (sign in bit 31). */
    static final int E4M3_NAN_BITS = 0x7FF00000;

    /** float32 value of an e4m3fn byte: (-1)^s · (e == 0 ? m/8 · 2^-6 : (1 + m/8) · 2^(e-7)); 0x7F/0xFF NaN. */
    static float decodeE4m3fn(int b) {
        int sign = (b & 0x80) << 24;
        int e = (b >> 3) & 0xF;
        int m = b & 0x7;
        if ((b & 0x7F) == 0x7F) {
            return Float.intBitsToFloat(E4M3_NAN_BITS | sign);
        }
        float magnitude = e == 0 ? m * 0x1p-9f : (8 + m) * Math.scalb(1f, e - 10);
        return Float.intBitsToFloat(Float.floatToRawIntBits(magnitude) | sign);
    }

    /** float32 value of an e5m2 byte: the float16 whose high byte it is. */
    static float decodeE5m2(int b) {
        return halfToFloat((short) ((b & 0xFF) << 8));
    }

    /** IEEE float16 bits to float32 (exact). */
    public static float halfToFloat(short h) {
        int bits = h & 0xFFFF;
        int sign = (bits & 0x8000) << 16;
        int e = (bits >> 10) & 0x1F;
        int m = bits & 0x3FF;
        float magnitude;
        if (e == 0x1F) {
            return Float.intBitsToFloat(sign | 0x7F800000 | (m << 13));
        } else if (e == 0) {
            magnitude = m * 0x1p-24f;
        } else {
            magnitude = (1024 + m) * Math.scalb(1f, e - 25);
        }
        return Float.intBitsToFloat(Float.floatToRawIntBits(magnitude) | sign);
    }

    private static final int F32_480 = 0x43F00000;
    private static final int F32_MIN_NORMAL_E4M3 = 121 << 23; // 2^-6
    private static final int F32_16384 = Float.floatToRawIntBits(16384.0f);

    /**
     * PyTorch's float32 → float8_e4m3fn conversion (see the class comment). Works on the raw bits, so the sign of
     * zero and of NaN is kept.
     */
    public static byte encodeE4m3fn(float x, Overflow overflow) {
        return encodeE4m3fnBits(Float.floatToRawIntBits(x), overflow);
    }

    /** {@link #encodeE4m3fn(float, Overflow)} of the float32 with these raw bits (NaN sign kept exactly). */
    public static byte encodeE4m3fnBits(int bits, Overflow overflow) {
        int sign = bits & 0x80000000;
        int abs = bits ^ sign;
        int out;
        if (abs >= F32_480) {
            // |x| >= 480, inf or NaN
            boolean nan = abs > 0x7F800000;
            out = nan || overflow == Overflow.NAN ? 0x7F : 0x7E;
        } else if (abs < F32_MIN_NORMAL_E4M3) {
            // subnormal range: round |x| to a multiple of 2^-9 with one float32 addition (nearest, ties to even)
            out = Float.floatToRawIntBits(Float.intBitsToFloat(abs) + 16384.0f) - F32_16384;
        } else {
            int mantOdd = (abs >> 20) & 1;
            abs += ((7 - 127) << 23) + 0x7FFFF;
            abs += mantOdd;
            out = (abs >> 20) & 0xFF;
            if (out == 0x7F && overflow == Overflow.SATURATE) {
                out = 0x7E; // 464 < |x| < 480 rounds past 448
            }
        }
        return (byte) (out | (sign >>> 24));
    }

    /**
     * Encodes {@code count} elements of {@code src} (little-endian F32, F16 or BF16, from its position) to e4m3fn
     * bytes into {@code dst} (from its position). Each value is converted from its exact float32 value, so BF16
     * and F16 sources give exactly PyTorch's cast of those tensors.
     */
    public static void encodeE4m3fn(ByteBuffer src, DType srcType, long count, ByteBuffer dst, Overflow overflow) {
        ByteBuffer s = src.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        int n = Math.toIntExact(count);
        int at = s.position();
        int to = dst.position();
        switch (srcType) {
            case F32 -> {
                for (int i = 0; i < n; i++) {
                    dst.put(to + i, encodeE4m3fn(s.getFloat(at + 4 * i), overflow));
                }
            }
            case BF16 -> {
                for (int i = 0; i < n; i++) {
                    dst.put(to + i, encodeE4m3fn(Float.intBitsToFloat((s.getShort(at + 2 * i) & 0xFFFF) << 16), overflow));
                }
            }
            case F16 -> {
                for (int i = 0; i < n; i++) {
                    dst.put(to + i, encodeE4m3fn(halfToFloat(s.getShort(at + 2 * i)), overflow));
                }
            }
            case F8_E4M3 -> {
                for (int i = 0; i < n; i++) {
                    dst.put(to + i, s.get(at + i));
                }
            }
            case F8_E5M2 -> {
                for (int i = 0; i < n; i++) {
                    dst.put(to + i, encodeE4m3fn(decodeE5m2(s.get(at + i)), overflow));
                }
            }
            default -> throw new IllegalArgumentException("cannot encode " + srcType + " as float8_e4m3fn");
        }
        dst.position(to + n);
    }

    /** e4m3fn bytes of float32 values. */
    public static byte[] encodeE4m3fn(float[] values, Overflow overflow) {
        byte[] out = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = encodeE4m3fn(values[i], overflow);
        }
        return out;
    }

    /**
     * Widens {@code count} FP8 bytes of {@code src} (from its position) to float32, native order, in a new direct
     * buffer (what DJL takes).
     */
    static ByteBuffer widen(ByteBuffer src, Format format, int count) {
        ByteBuffer out = ByteBuffer.allocateDirect(Math.multiplyExact(count, 4)).order(ByteOrder.nativeOrder());
        int at = src.position();
        for (int i = 0; i < count; i++) {
            out.putFloat(4 * i, format.table[src.get(at + i) & 0xFF]);
        }
        return out;
    }
}
