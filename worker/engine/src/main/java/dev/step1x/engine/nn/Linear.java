package dev.step1x.engine.nn;

import ai.djl.ndarray.NDArray;

/** nn.Linear: {@code y = x·Wᵀ + b}, weight [out, in], bias [out] (optional). */
public final class Linear {

    private final NDArray weight;
    private final NDArray bias;
    private final long in;
    private final long out;

    public Linear(Params p, long in, long out, boolean bias) {
        this.in = in;
        this.out = out;
        this.weight = p.get("weight", out, in);
        this.bias = bias ? p.get("bias", out) : null;
    }

    /** x [..., in] -> [..., out]. */
    public NDArray forward(NDArray x) {
        return bias == null ? ai.djl.nn.core.Linear.linear(x, weight).head()
                : ai.djl.nn.core.Linear.linear(x, weight, bias).head();
    }

    /** The type the layer computes in: its weight's. */
    public ai.djl.ndarray.types.DataType dataType() {
        return weight.getDataType();
    }

    public long in() {
        return in;
    }

    public long out() {
        return out;
    }
}
