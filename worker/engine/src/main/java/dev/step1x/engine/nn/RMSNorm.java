package dev.step1x.engine.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

/**
 * RMSNorm over the last dimension, computed in float32: {@code x · rsqrt(mean(x²) + eps) · w}.
 * The weight is called {@code scale} in FLUX's QKNorm and {@code weight} in Qwen2.
 */
public final class RMSNorm {

    private final NDArray weight;
    private final float eps;

    public RMSNorm(Params p, String weightName, long dim, float eps) {
        this.weight = p.get(weightName, dim);
        this.eps = eps;
    }

    /** In float32, back to the input's type, then times the weight (FLUX and Qwen2 both scale after the cast). */
    public NDArray forward(NDArray x) {
        DataType type = x.getDataType();
        NDArray xf = type == DataType.FLOAT32 ? x : x.toType(DataType.FLOAT32, false);
        // x · rsqrt(ms + eps): libtorch's rsqrt is 1/sqrt, so take the reciprocal, then multiply.
        NDArray rms = xf.square().mean(new int[] {-1}, true).add(eps).sqrt();
        NDArray inv = rms.getNDArrayInternal().rdiv(1f);
        NDArray normed = xf.mul(inv);
        return (type == DataType.FLOAT32 ? normed : normed.toType(type, false)).mul(weight);
    }
}
