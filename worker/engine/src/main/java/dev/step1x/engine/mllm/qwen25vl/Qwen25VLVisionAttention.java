// Port of huggingface/transformers models/qwen2_5_vl/modeling_qwen2_5_vl.py @ 00b676f (Qwen2_5_VLVisionAttention).
// Keys (relative to visual.blocks.{j}.attn): qkv.{weight,bias}, proj.{weight,bias}
package dev.step1x.engine.mllm.qwen25vl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import java.util.ArrayList;
import java.util.List;
import dev.step1x.engine.nn.Attention;
import dev.step1x.engine.nn.Linear;
import dev.step1x.engine.nn.Params;

/**
 * Fused-qkv self-attention over the patch sequence, bidirectional, restricted to the segments of a
 * {@code cu_seqlens} list (windows, or whole frames for the full-attention blocks); 2-D RoPE on q and k.
 * Upstream attends per segment (4.49: one block-diagonal mask over the whole sequence; same math).
 * Here consecutive segments of equal length are batched: {@code [count, heads, len, head_dim]}.
 */
public final class Qwen25VLVisionAttention {

    /** One batch of consecutive equal-length segments: patches {@code [start, start + count·len)}. */
    public record Run(int start, int count, int len) {}

    /** The attention segments of a {@code cu_seqlens} list, grouped into {@link Run}s; empty segments skipped. */
    public static List<Run> runs(int[] cuSeqlens) {
        List<Run> runs = new ArrayList<>();
        int i = 0;
        while (i + 1 < cuSeqlens.length) {
            int start = cuSeqlens[i];
            int len = cuSeqlens[i + 1] - start;
            if (len < 0) {
                throw new IllegalArgumentException("cu_seqlens decreases at " + i);
            }
            int count = 1;
            while (i + 1 + count < cuSeqlens.length && cuSeqlens[i + 1 + count] - cuSeqlens[i + count] == len) {
                count++;
            }
            if (len > 0) {
                runs.add(new Run(start, count, len));
            }
            i += count;
        }
        return runs;
    }

    private final Linear qkv;
    private final Linear proj;
    private final int numHeads;
    private final int headDim;

    public Qwen25VLVisionAttention(Params p, Qwen25VLConfig.VisionConfig cfg) {
        long h = cfg.hiddenSize();
        numHeads = cfg.numHeads();
        headDim = cfg.headDim();
        qkv = new Linear(p.child("qkv"), h, 3 * h, true);
        proj = new Linear(p.child("proj"), h, h, true);
    }

    /**
     * @param x {@code [N, hidden]}
     * @param cos rotary cos {@code [N, 1, head_dim]} float32 (same patch order as x)
     * @param sin rotary sin {@code [N, 1, head_dim]} float32
     * @param runs the segments (see {@link #runs(int[])}); they must cover {@code [0, N)}
     * @return {@code [N, hidden]}
     */
    public NDArray forward(NDArray x, NDArray cos, NDArray sin, List<Run> runs) {
        long n = x.getShape().get(0);
        // [N, 3·hidden] -> [N, 3, heads, head_dim]: q rows first, then k, then v, heads contiguous
        NDArray parts = qkv.forward(x).reshape(n, 3, numHeads, headDim);
        NDArray q = Qwen25VisionRotaryEmbedding.apply(parts.get(":, 0"), cos, sin);
        NDArray k = Qwen25VisionRotaryEmbedding.apply(parts.get(":, 1"), cos, sin);
        NDArray v = parts.get(":, 2");
        NDList outs = new NDList(runs.size());
        long covered = 0;
        for (Run r : runs) {
            if (r.start() != covered) {
                throw new IllegalArgumentException("attention segments do not cover the sequence contiguously at " + covered);
            }
            long end = (long) r.start() + (long) r.count() * r.len();
            covered = end;
            NDArray qs = segments(q, r, end);
            NDArray ks = segments(k, r, end);
            NDArray vs = segments(v, r, end);
            int chunk = Attention.queryChunkFor(r.count(), numHeads, r.len(), Attention.DEFAULT_SCORE_BYTES);
            NDArray o = Attention.scaledDotProduct(qs, ks, vs, null, chunk);
            // [count, heads, len, D] -> [count·len, heads·D]
            outs.add(o.transpose(0, 2, 1, 3).reshape((long) r.count() * r.len(), (long) numHeads * headDim));
        }
        if (covered != n) {
            throw new IllegalArgumentException("attention segments cover " + covered + " of " + n + " patches");
        }
        NDArray attn = outs.size() == 1 ? outs.get(0) : NDArrays.concat(outs, 0);
        return proj.forward(attn);
    }

    /** {@code t[start:end]} [count·len, heads, D] -> [count, heads, len, D]. */
    private NDArray segments(NDArray t, Run r, long end) {
        NDArray s = r.start() == 0 && end == t.getShape().get(0) ? t : t.get("{}:{}", r.start(), end);
        return s.reshape(r.count(), r.len(), numHeads, headDim).transpose(0, 2, 1, 3);
    }
}
