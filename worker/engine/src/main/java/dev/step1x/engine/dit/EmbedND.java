// Port of stepfun-ai/Step1X-Edit modules/layers.py @ 570eba6 (EmbedND, rope).
package dev.step1x.engine.dit;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * FLUX rotary position embedding over 3 id axes. For axis a with {@code d_a} dims the frequencies are
 * {@code ω_j = θ^(-2j/d_a)}, j < d_a/2, computed in float64 like the official code (the float32 ids are
 * promoted), angles {@code pos·ω_j}; the per-axis slots are concatenated (16+56+56 dims → 64 pairs at
 * full size). The result is kept as cos and sin tables [B, 1, L, D/2] in float32, the entries of the
 * official 2×2 rotation matrices {@code [[cos, -sin], [sin, cos]]}.
 */
public final class EmbedND {

    /** Rotation tables for one id sequence. */
    public record Rope(NDArray cos, NDArray sin) {}

    private final int theta;
    private final int[] axesDim;
    private final int pairs;

    public EmbedND(int theta, int[] axesDim) {
        this.theta = theta;
        this.axesDim = axesDim.clone();
        int sum = 0;
        for (int d : axesDim) {
            sum += d;
        }
        this.pairs = sum / 2;
    }

    /** ids [B, L, axes] (float) -> cos/sin [B, 1, L, D/2] on the ids' manager. */
    public Rope forward(NDArray ids) {
        Shape s = ids.getShape();
        int b = (int) s.get(0);
        int l = (int) s.get(1);
        int axes = (int) s.get(2);
        if (axes != axesDim.length) {
            throw new IllegalArgumentException("ids have " + axes + " axes, axes_dim has " + axesDim.length);
        }
        float[] pos = ids.toType(DataType.FLOAT32, false).toFloatArray();
        double[][] omega = new double[axes][];
        for (int a = 0; a < axes; a++) {
            int d = axesDim[a];
            omega[a] = new double[d / 2];
            for (int j = 0; j < d / 2; j++) {
                // scale = arange(0, d, 2) / d in float64; omega = 1 / theta^scale
                omega[a][j] = 1.0 / Math.pow(theta, (2.0 * j) / d);
            }
        }
        float[] cos = new float[b * l * pairs];
        float[] sin = new float[b * l * pairs];
        for (int t = 0; t < b * l; t++) {
            int slot = 0;
            for (int a = 0; a < axes; a++) {
                double p = pos[t * axes + a];
                for (double w : omega[a]) {
                    double angle = p * w;
                    cos[t * pairs + slot] = (float) Math.cos(angle);
                    sin[t * pairs + slot] = (float) Math.sin(angle);
                    slot++;
                }
            }
        }
        NDManager m = ids.getManager();
        Shape table = new Shape(b, 1, l, pairs);
        return new Rope(m.create(cos, table), m.create(sin, table));
    }

    /**
     * Rotates adjacent pairs (x[2i], x[2i+1]) of q or k [B, H, L, D] in float32:
     * {@code x'2i = cos·x2i + (-sin)·x2i+1}, {@code x'2i+1 = sin·x2i + cos·x2i+1}.
     */
    public static NDArray apply(NDArray x, Rope rope) {
        Shape s = x.getShape();
        // [B, H, L, D] -> [B, H, L, D/2, 2]: the last axis holds the pair
        NDArray pairsView = x.toType(DataType.FLOAT32, false).reshape(s.get(0), s.get(1), s.get(2), s.get(3) / 2, 2);
        NDArray x0 = pairsView.get("..., 0");
        NDArray x1 = pairsView.get("..., 1");
        NDArray out0 = rope.cos().mul(x0).add(rope.sin().neg().mul(x1));
        NDArray out1 = rope.sin().mul(x0).add(rope.cos().mul(x1));
        return out0.stack(out1, -1).reshape(s).toType(x.getDataType(), false);
    }
}
