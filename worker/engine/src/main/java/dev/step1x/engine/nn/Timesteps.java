package dev.step1x.engine.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

/** The sinusoidal timestep features of FLUX and HunyuanVideo (both models use the same formula). */
public final class Timesteps {

    private Timesteps() {}

    /**
     * {@code [cos(t·f), sin(t·f)]} with {@code f_i = exp(-ln(maxPeriod)·i/half)}, i < half = dim/2, in
     * float32 like the official code (the caller applies any time factor to t first).
     *
     * @param t [B]
     * @return [B, dim] (an odd dim gets a zero column at the end)
     */
    public static NDArray sinusoidal(NDArray t, int dim, double maxPeriod) {
        int half = dim / 2;
        NDArray freqs = t.getManager().arange(0f, (float) half, 1f, DataType.FLOAT32)
                .mul((float) -Math.log(maxPeriod)).div((float) half).exp();
        NDArray args = t.toType(DataType.FLOAT32, false).expandDims(1).mul(freqs.expandDims(0));
        NDArray emb = args.cos().concat(args.sin(), -1);
        if (dim % 2 == 1) {
            emb = emb.concat(t.getManager().zeros(new ai.djl.ndarray.types.Shape(t.getShape().get(0), 1)), -1);
        }
        return emb;
    }
}
