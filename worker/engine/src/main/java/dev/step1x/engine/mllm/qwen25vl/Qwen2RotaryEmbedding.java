// Port of huggingface/transformers models/qwen2_5_vl/modeling_qwen2_5_vl.py @ 00b676f
// (Qwen2_5_VLRotaryEmbedding, apply_multimodal_rotary_pos_emb, rotate_half).
package dev.step1x.engine.mllm.qwen25vl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.step1x.engine.nn.Scoped;
import java.util.List;

/**
 * The text model's multimodal rotary embedding (M-RoPE), computed in float32 like upstream:
 * {@code inv_freq[i] = 1 / theta^(2i / head_dim)}; per position stream c (t, h, w)
 * {@code freqs_c = pos_c · inv_freq}, {@code emb_c = cat(freqs_c, freqs_c)}, cos/sin of it
 * ({@code rope_type "default"}, attention scaling 1). The M-RoPE selection then takes channel chunk i
 * of {@code mrope_section * 2} from stream {@code i mod 3}, and q, k are rotated as
 * {@code x·cos + rotate_half(x)·sin}.
 */
public final class Qwen2RotaryEmbedding {

    /** A cos/sin pair of the same shape. */
    public record Tables(NDArray cos, NDArray sin) {}

    private final int headDim;
    private final float theta;
    private final List<Integer> mropeSection;

    public Qwen2RotaryEmbedding(Qwen25VLConfig cfg) {
        this.headDim = cfg.headDim();
        this.theta = (float) cfg.ropeTheta();
        this.mropeSection = List.copyOf(cfg.mropeSection());
    }

    /** {@code 1 / theta^(arange(0, head_dim, 2) / head_dim)}, float32 [head_dim / 2]. */
    public NDArray invFreq(NDManager manager) {
        return Scoped.run(() -> {
            NDArray exponent = manager.arange(0, headDim, 2, DataType.INT64).toType(DataType.FLOAT32, false)
                    .div((float) headDim);
            return exponent.getNDArrayInternal().rpow(theta).getNDArrayInternal().rdiv(1f);
        });
    }

    /**
     * Per-stream tables before the M-RoPE selection.
     *
     * @param positionIds [3, B, L] integer
     * @return cos, sin float32 [3, B, L, head_dim]
     */
    public Tables streams(NDArray positionIds) {
        if (positionIds.getShape().dimension() != 3 || positionIds.getShape().get(0) != 3) {
            throw new IllegalArgumentException("position_ids must be [3, B, L], got " + positionIds.getShape());
        }
        NDArray[] out = Scoped.runAll(() -> {
            NDArray inv = invFreq(positionIds.getManager());
            NDArray freqs = positionIds.toType(DataType.FLOAT32, false).expandDims(3).mul(inv);
            NDArray emb = NDArrays.concat(new NDList(freqs, freqs), 3);
            return new NDArray[] {emb.cos(), emb.sin()};
        });
        return new Tables(out[0], out[1]);
    }

    /**
     * The M-RoPE selection: channel chunk i of {@code mrope_section * 2} from stream {@code i mod 3}.
     *
     * @param streams cos, sin [3, B, L, head_dim]
     * @return cos, sin [B, 1, L, head_dim] (broadcast over heads)
     */
    public Tables select(Tables streams) {
        NDArray[] out = Scoped.runAll(() -> new NDArray[] {pick(streams.cos()), pick(streams.sin())});
        return new Tables(out[0], out[1]);
    }

    /** {@link #select} of {@link #streams}: the tables the attention layers use. */
    public Tables forward(NDArray positionIds) {
        NDArray[] out = Scoped.runAll(() -> {
            Tables t = select(streams(positionIds));
            return new NDArray[] {t.cos(), t.sin()};
        });
        return new Tables(out[0], out[1]);
    }

    private NDArray pick(NDArray table) {
        NDList chunks = new NDList();
        long start = 0;
        for (int i = 0; i < 2 * mropeSection.size(); i++) {
            int stream = i % mropeSection.size();
            long width = mropeSection.get(stream);
            chunks.add(table.get(new NDIndex("{}, :, :, {}:{}", stream, start, start + width)));
            start += width;
        }
        if (start != headDim) {
            throw new IllegalStateException("mrope_section " + mropeSection + " * 2 covers " + start
                    + " channels, head_dim is " + headDim);
        }
        return NDArrays.concat(chunks, 2).expandDims(1);
    }

    /**
     * {@code x·cos + rotate_half(x)·sin}.
     *
     * @param x [B, H, L, D]
     * @param t cos, sin broadcastable to x (normally [B, 1, L, D]); cast to x's type
     */
    public static NDArray apply(NDArray x, Tables t) {
        return Scoped.run(() -> {
            NDArray cos = t.cos().toType(x.getDataType(), false);
            NDArray sin = t.sin().toType(x.getDataType(), false);
            return x.mul(cos).add(rotateHalf(x).mul(sin));
        });
    }

    /** {@code cat(-x[..., D/2:], x[..., :D/2])} over the last axis of a rank-4 array. */
    static NDArray rotateHalf(NDArray x) {
        Shape s = x.getShape();
        if (s.dimension() != 4) {
            throw new IllegalArgumentException("expected [B, H, L, D], got " + s);
        }
        long half = s.get(3) / 2;
        NDArray x1 = x.get(new NDIndex(":, :, :, :{}", half));
        NDArray x2 = x.get(new NDIndex(":, :, :, {}:", half));
        return NDArrays.concat(new NDList(x2.neg(), x1), 3);
    }
}
