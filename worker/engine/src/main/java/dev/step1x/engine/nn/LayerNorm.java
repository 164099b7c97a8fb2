package dev.step1x.engine.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/** LayerNorm over the last dimension; affine (weight, bias) or not (FLUX blocks use eps 1e-6, no affine). */
public final class LayerNorm {

    private final long dim;
    private final float eps;
    private final NDArray weight;
    private final NDArray bias;

    /** With affine parameters {@code weight}, {@code bias} [dim]. */
    public LayerNorm(Params p, long dim, float eps) {
        this.dim = dim;
        this.eps = eps;
        this.weight = p.get("weight", dim);
        this.bias = p.get("bias", dim);
    }

    /** Without parameters. */
    public LayerNorm(long dim, float eps) {
        this.dim = dim;
        this.eps = eps;
        this.weight = null;
        this.bias = null;
    }

    public NDArray forward(NDArray x) {
        NDArray w = weight;
        NDArray b = bias;
        if (w == null) {
            // libtorch's layer_norm with weight 1 and bias 0 is bit-identical to no affine.
            w = x.getManager().ones(new Shape(dim), x.getDataType());
            b = x.getManager().zeros(new Shape(dim), x.getDataType());
        }
        return ai.djl.nn.norm.LayerNorm.layerNorm(x, new Shape(dim), w, b, eps).head();
    }
}
