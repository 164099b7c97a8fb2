// Port of huggingface/transformers models/qwen2_5_vl/modeling_qwen2_5_vl.py @ 00b676f
// (Qwen2_5_VisionRotaryEmbedding, Qwen2_5_VisionTransformerPretrainedModel.rot_pos_emb,
// rotate_half, apply_rotary_pos_emb_vision). No weights.
package dev.step1x.engine.mllm.qwen25vl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;

/**
 * The vision tower's 2-D rotary position embedding. Each patch has a (row, column) position in its
 * image; the first half of the {@code dim = head_dim / 2} rotary angles are {@code row · inv_freq},
 * the second half {@code column · inv_freq}, with {@code inv_freq[i] = 1 / θ^(2i / dim)}, θ = 10000.
 * The angles are duplicated to head_dim ({@code cat(r, r)}) and applied to q and k with
 * {@code rotate_half}, in float32.
 */
public final class Qwen25VisionRotaryEmbedding {

    private final int dim;
    private final double theta;

    /** @param dim rotary width = head_dim / 2 (even) */
    public Qwen25VisionRotaryEmbedding(int dim, double theta) {
        if (dim <= 0 || dim % 2 != 0) {
            throw new IllegalArgumentException("rotary dim must be positive and even, got " + dim);
        }
        this.dim = dim;
        this.theta = theta;
    }

    public int dim() {
        return dim;
    }

    /**
     * (h, w) patch coordinates of every {@code pixel_values} row, flattened {@code [N·2]}: rows run over
     * merge blocks (bh, bw) in raster order and inside a block over (mh, mw), so
     * {@code h = m·bh + mh}, {@code w = m·bw + mw}; the list of a frame is repeated t times.
     */
    public static long[] positionIds(long[][] gridThw, int mergeSize) {
        VisionWindowIndex.checkGrids(gridThw, mergeSize);
        long n = 0;
        for (long[] g : gridThw) {
            n += g[0] * g[1] * g[2];
        }
        long[] ids = new long[Math.toIntExact(2 * n)];
        int k = 0;
        for (long[] g : gridThw) {
            long bhs = g[1] / mergeSize;
            long bws = g[2] / mergeSize;
            for (long f = 0; f < g[0]; f++) {
                for (long bh = 0; bh < bhs; bh++) {
                    for (long bw = 0; bw < bws; bw++) {
                        for (int mh = 0; mh < mergeSize; mh++) {
                            for (int mw = 0; mw < mergeSize; mw++) {
                                ids[k++] = bh * mergeSize + mh;
                                ids[k++] = bw * mergeSize + mw;
                            }
                        }
                    }
                }
            }
        }
        return ids;
    }

    /** {@code inv_freq [dim / 2]} as upstream computes it in float32: {@code 1 / θ^(arange(0, dim, 2) / dim)}. */
    public NDArray invFreq(NDManager manager) {
        NDArray exps = manager.arange(0, dim, 2, DataType.FLOAT32).div((float) dim);
        NDArray base = manager.full(exps.getShape(), (float) theta, DataType.FLOAT32);
        return base.pow(exps).getNDArrayInternal().rdiv(1f);
    }

    /**
     * The rotary angles {@code [N, dim]} (upstream {@code rotary_pos_emb}) for positions {@code [N, 2]}
     * (any integer or float type): {@code cat(h · inv_freq, w · inv_freq)}, float32.
     */
    public NDArray angles(NDArray positions) {
        NDManager manager = positions.getManager();
        long n = positions.getShape().get(0);
        NDArray pos = positions.toType(DataType.FLOAT32, false);
        NDArray inv = invFreq(manager).reshape(1, dim / 2);
        NDArray h = pos.get(":, 0:1").mul(inv);
        NDArray w = pos.get(":, 1:2").mul(inv);
        return h.concat(w, 1).reshape(n, dim);
    }

    /** {@code cos(cat(r, r))} and {@code sin(cat(r, r))}, each {@code [N, 2·dim]} float32, for angles r {@code [N, dim]}. */
    public static NDArray[] cosSin(NDArray angles) {
        NDArray emb = angles.concat(angles, 1);
        return new NDArray[] {emb.cos(), emb.sin()};
    }

    /**
     * {@code x·cos + rotate_half(x)·sin} in float32, cast back to x's type; x {@code [N, heads, D]},
     * cos/sin {@code [N, 1, D]} float32; {@code rotate_half(x) = cat(−x[D/2:], x[:D/2])}.
     */
    public static NDArray apply(NDArray x, NDArray cos, NDArray sin) {
        DataType type = x.getDataType();
        NDArray xf = type == DataType.FLOAT32 ? x : x.toType(DataType.FLOAT32, false);
        long half = xf.getShape().get(2) / 2;
        NDArray rotated = xf.get(":, :, {}:", half).neg().concat(xf.get(":, :, :{}", half), 2);
        NDArray out = xf.mul(cos).add(rotated.mul(sin));
        return type == DataType.FLOAT32 ? out : out.toType(type, false);
    }
}
