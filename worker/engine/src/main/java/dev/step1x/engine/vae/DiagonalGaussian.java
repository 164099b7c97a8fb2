// Port of stepfun-ai/Step1X-Edit modules/autoencoder.py @ 570eba6 (FLUX.1 autoencoder), class DiagonalGaussian.
package dev.step1x.engine.vae;

import dev.step1x.engine.nn.Scoped;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;

/**
 * The encoder's posterior: the moments split along the channel axis into {@code mean} (first half) and
 * {@code logvar} (second half). Like the official FLUX/Step1X code, logvar is used as is (no clamping).
 * Upstream samples with {@code randn_like(mean)} from the global RNG; here the caller supplies eps.
 */
public final class DiagonalGaussian implements AutoCloseable {

    private final NDArray mean;
    private final NDArray logvar;

    public DiagonalGaussian(NDArray mean, NDArray logvar) {
        if (!mean.getShape().equals(logvar.getShape())) {
            throw new IllegalArgumentException("mean " + mean.getShape() + " and logvar " + logvar.getShape() + " differ");
        }
        this.mean = mean;
        this.logvar = logvar;
    }

    /** Splits moments [B, 2C, h, w] (chunk(2, dim=1)) into mean [B, C, h, w] and logvar [B, C, h, w]. */
    public static DiagonalGaussian fromMoments(NDArray moments) {
        long channels = moments.getShape().get(1);
        if (moments.getShape().dimension() != 4 || channels % 2 != 0) {
            throw new IllegalArgumentException("moments must be [B, 2*C, h, w], got " + moments.getShape());
        }
        long half = channels / 2;
        return new DiagonalGaussian(moments.get(new NDIndex(":, :{}", half)), moments.get(new NDIndex(":, {}:", half)));
    }

    /** The posterior mean [B, C, h, w]. */
    public NDArray mean() {
        return mean;
    }

    /** The posterior log-variance [B, C, h, w] (not clamped). */
    public NDArray logvar() {
        return logvar;
    }

    /** The mode (= mean): what DiagonalGaussian(sample=False) returns. The same array as {@link #mean()}. */
    public NDArray mode() {
        return mean;
    }

    /** {@code mean + exp(0.5 * logvar) * eps}, a new array; eps standard normal with the mean's shape. */
    public NDArray sample(NDArray eps) {
        if (!eps.getShape().equals(mean.getShape())) {
            throw new IllegalArgumentException("eps " + eps.getShape() + " must have the mean's shape " + mean.getShape());
        }
        return Scoped.run(() -> mean.add(logvar.mul(0.5f).exp().mul(eps)));
    }

    /** Closes mean and logvar. */
    @Override
    public void close() {
        mean.close();
        logvar.close();
    }
}
