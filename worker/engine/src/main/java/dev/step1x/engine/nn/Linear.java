package dev.step1x.engine.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

/**
 * nn.Linear: {@code y = x·Wᵀ + b}, weight [out, in], bias [out] (optional). The weight is a tensor in the compute
 * type, or 8-bit float bytes decoded for each call ({@link QuantizedWeight}); the layer may add run-time low-rank
 * terms ({@link LowRank}, unmerged LoRA) for some batch rows.
 */
public final class Linear {

    private final NDArray weight;
    private final QuantizedWeight quantized;
    private final NDArray bias;
    private final LowRank lowRank;
    private final long in;
    private final long out;

    public Linear(Params p, long in, long out, boolean bias) {
        this.in = in;
        this.out = out;
        this.quantized = p.quantized("weight", out, in);
        this.weight = quantized == null ? p.get("weight", out, in) : null;
        this.bias = bias ? p.get("bias", out) : null;
        this.lowRank = p.lowRank("weight");
    }

    /** x [..., in] -> [..., out]. */
    public NDArray forward(NDArray x) {
        NDArray y;
        if (quantized == null) {
            y = plain(x, weight);
        } else {
            try (NDArray w = quantized.dequantize()) {
                y = plain(x, w);
            }
        }
        return lowRank == null ? y : lowRank.add(x, y);
    }

    private NDArray plain(NDArray x, NDArray w) {
        return bias == null ? ai.djl.nn.core.Linear.linear(x, w).head()
                : ai.djl.nn.core.Linear.linear(x, w, bias).head();
    }

    /** The type the layer computes in: its weight's (for FP8 bytes, the type they decode to). */
    public DataType dataType() {
        return quantized == null ? weight.getDataType() : quantized.computeType();
    }

    /** Whether the weight is held as 8-bit float bytes. */
    public boolean isQuantized() {
        return quantized != null;
    }

    public long in() {
        return in;
    }

    public long out() {
        return out;
    }
}
