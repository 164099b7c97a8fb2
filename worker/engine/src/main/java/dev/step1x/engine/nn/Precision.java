package dev.step1x.engine.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import java.util.Locale;

/**
 * The engine's compute precisions and the one FP16 safeguard it needs.
 *
 * <p>The official code runs the DiT, connector and Qwen in bfloat16 on CUDA; DJL's PyTorch JNI cannot
 * hold bfloat16 tensors (docs/stack.md, "BF16 kills the JVM"), so on a GPU the engine computes in float16 instead. FP16 keeps
 * 3 more mantissa bits than BF16 but its range ends at 65504: FLUX-style residual streams can exceed it,
 * so a residual stream is clamped to ±65504 after every block (as diffusers does for FLUX in float16),
 * turning an overflow into a saturated value rather than an inf that becomes NaN in the next norm.
 * Norms, rotary embeddings and softmax are computed in float32 whatever the compute type.
 */
public enum Precision {
    FP32(DataType.FLOAT32),
    FP16(DataType.FLOAT16);

    /** Largest finite float16 value. */
    public static final float FP16_MAX = 65504f;

    private final DataType dataType;

    Precision(DataType dataType) {
        this.dataType = dataType;
    }

    public DataType dataType() {
        return dataType;
    }

    /** "fp32" / "fp16" (also "float32", "float16", "half"); anything else is rejected with the accepted forms. */
    public static Precision parse(String s) {
        String v = s == null ? "" : s.trim().toLowerCase(Locale.ROOT);
        return switch (v) {
            case "fp32", "float32", "f32" -> FP32;
            case "fp16", "float16", "f16", "half" -> FP16;
            default -> throw new IllegalArgumentException("dtype '" + s + "' is not one of: fp32, fp16");
        };
    }

    /** The precision of arrays of {@code type} (FLOAT16 is FP16, everything else FP32). */
    public static Precision of(DataType type) {
        return type == DataType.FLOAT16 ? FP16 : FP32;
    }

    /**
     * A residual stream after a block: clamped to ±{@value #FP16_MAX} when it is float16 (a new array),
     * else {@code x} itself.
     */
    public static NDArray clampResidual(NDArray x) {
        return x.getDataType() == DataType.FLOAT16 ? x.clip(-FP16_MAX, FP16_MAX) : x;
    }

    /** The most negative finite value of {@code type}: the additive mask of a masked (query, key) pair. */
    public static float maskMin(DataType type) {
        return type == DataType.FLOAT16 ? -FP16_MAX : -Float.MAX_VALUE;
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
