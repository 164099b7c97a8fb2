package dev.step1x.engine.nn;

import ai.djl.ndarray.NDArray;

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

    public NDArray forward(NDArray x) {
        // x · rsqrt(ms + eps): libtorch's rsqrt is 1/sqrt, so take the reciprocal, then multiply.
        NDArray rms = x.square().mean(new int[] {-1}, true).add(eps).sqrt();
        NDArray inv = rms.getNDArrayInternal().rdiv(1f);
        return x.mul(inv).mul(weight);
    }
}
