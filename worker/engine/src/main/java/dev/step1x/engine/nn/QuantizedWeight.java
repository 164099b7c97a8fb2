package dev.step1x.engine.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import dev.step1x.engine.weights.Float8;
import dev.step1x.engine.weights.Float8Codes;

/**
 * A weight held as 8-bit float bytes on its device (one byte per element, DJL {@code UINT8}) and decoded to the
 * compute type each time a layer uses it: {@code table[codes]} with a 256-entry table of the format's values in
 * the compute type (every FP8 value is exact in float16 and float32). The decoded weight lives only for the one
 * matmul; the transient is 4 bytes (int32 indices) + 2 or 4 bytes (decoded) per element of that one layer.
 */
public final class QuantizedWeight {

    private final NDArray codes;
    private final Float8.Format format;
    private final DataType computeType;
    private NDArray table;

    public QuantizedWeight(Float8Codes codes, DataType computeType) {
        if (codes.codes().getDataType() != DataType.UINT8) {
            throw new IllegalArgumentException("FP8 codes must be UINT8, got " + codes.codes().getDataType());
        }
        if (computeType != DataType.FLOAT32 && computeType != DataType.FLOAT16) {
            throw new IllegalArgumentException("FP8 weights decode to FLOAT32 or FLOAT16, not " + computeType);
        }
        this.codes = codes.codes();
        this.format = codes.format();
        this.computeType = computeType;
    }

    /** The decoded weight, a new array in the compute type on the codes' device: the caller closes it. */
    public NDArray dequantize() {
        try (NDArray index = codes.toType(DataType.INT32, false)) {
            return table().get(index);
        }
    }

    /**
     * {@code codes} decoded once to {@code computeType} (a new array on the codes' manager; the caller owns it), for
     * parameters held decoded.
     */
    public static NDArray decode(Float8Codes codes, DataType computeType) {
        QuantizedWeight q = new QuantizedWeight(codes, computeType);
        try {
            return q.dequantize();
        } finally {
            q.table.close();
        }
    }

    private NDArray table() {
        if (table == null) {
            try (NDArray f32 = codes.getManager().create(format.table())) {
                NDArray t = Copies.asType(f32, computeType);
                t.attach(codes.getManager());
                // lives as long as the codes' manager, not the forward that first used it
                ai.djl.ndarray.NDScope.unregister(t);
                table = t;
            }
        }
        return table;
    }

    public NDArray codes() {
        return codes;
    }

    public Float8.Format format() {
        return format;
    }

    public DataType computeType() {
        return computeType;
    }

    public long[] shape() {
        return codes.getShape().getShape();
    }
}
