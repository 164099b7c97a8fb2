package dev.step1x.engine.weights;

import ai.djl.ndarray.types.DataType;
import java.util.Arrays;
import java.util.stream.Collectors;

/** The safetensors dtypes the engine reads. Names are the header spellings. */
public enum DType {
    F32(4, DataType.FLOAT32),
    F16(2, DataType.FLOAT16),
    /** Never handed to DJL as is: its PyTorch JNI aborts the JVM on BF16. Widened in Java. */
    BF16(2, DataType.FLOAT32),
    /**
     * float8_e4m3fn (1 sign, 4 exponent bits with bias 7, 3 mantissa bits; no infinities, 0x7F/0xFF NaN), as PyTorch
     * and published FP8 checkpoints store it. DJL has no 8-bit float type: widened to F32 in Java, or held as its
     * bytes ({@link Float8}).
     */
    F8_E4M3(1, DataType.FLOAT32),
    /** float8_e5m2 (1 sign, 5 exponent bits with bias 15, 2 mantissa bits: the top byte of a float16). Widened in Java. */
    F8_E5M2(1, DataType.FLOAT32),
    I64(8, DataType.INT64),
    I32(4, DataType.INT32),
    U8(1, DataType.UINT8);

    private final int size;
    private final DataType natural;

    DType(int size, DataType natural) {
        this.size = size;
        this.natural = natural;
    }

    /** Bytes per element. */
    public int size() {
        return size;
    }

    /** The DJL type a tensor of this dtype loads as when no target type is asked for. */
    public DataType naturalDataType() {
        return natural;
    }

    public boolean isFloatingPoint() {
        return this == F32 || this == F16 || this == BF16 || isFloat8();
    }

    /** F8_E4M3 or F8_E5M2. */
    public boolean isFloat8() {
        return this == F8_E4M3 || this == F8_E5M2;
    }

    /** Types DJL's JNI cannot hold, which the reader widens to F32 in Java: BF16 and the 8-bit floats. */
    public boolean isWidenedInJava() {
        return this == BF16 || isFloat8();
    }

    /** Parses a header dtype; the error lists what is supported. */
    public static DType parse(String name, String tensor) throws SafetensorsFormatException {
        for (DType d : values()) {
            if (d.name().equals(name)) {
                return d;
            }
        }
        throw new SafetensorsFormatException("tensor '" + tensor + "': unsupported dtype '" + name + "' (supported: "
                + Arrays.stream(values()).map(Enum::name).collect(Collectors.joining(", ")) + ")");
    }
}
