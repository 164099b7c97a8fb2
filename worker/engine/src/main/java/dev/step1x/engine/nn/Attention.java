package dev.step1x.engine.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import dev.step1x.engine.nn.fused.FusedOps;

/**
 * The one attention implementation of the engine: softmax(q·kᵀ/√d + mask)·v, either libtorch's fused
 * {@code scaled_dot_product_attention} (through {@link FusedOps}, where its self-test passed) or composed from
 * matMul and softmax (DJL's PyTorch JNI exposes no fused SDPA). {@link FusedOps.Mode} chooses.
 *
 * <p>With a query chunk size the queries are processed in blocks, so the score tensor is at most
 * [B, H, chunk, Lk] instead of [B, H, Lq, Lk]; each block's softmax is over full key rows, so the
 * result equals the unchunked one. The fused kernels never materialise the scores, so the fused route takes all
 * queries in one call, unless libtorch would run the inputs on its math path: then it blocks them the same way.
 *
 * <p>Both routes have the same semantics: scale 1/√D; an additive mask (0 = attend, -inf or the type's most
 * negative finite value = masked) of q's type; a row whose keys are all masked with a finite value attends
 * uniformly (both); a row masked entirely with -inf is NaN in the composed route and is not produced by any
 * caller (the connector keeps key 0, Qwen uses a finite minimum). Float16: the composed route adds the mask and
 * takes the softmax in float32 when masked and keeps float16 scores when unmasked; the fused kernels accumulate
 * scores and softmax in float32 in both cases (at least as accurate).
 */
public final class Attention {

    /**
     * Default bound on one block of scores (32 MiB). Smaller blocks are reused by the allocator and stay
     * closer to the caches: the bench's small DiT forward took 8.3 s unchunked and 5.8 s with ~32 MiB blocks.
     */
    public static final long DEFAULT_SCORE_BYTES = 32L << 20;

    private Attention() {}

    /** Queries per block so that one [B, H, chunk, Lk] float32 score block stays within {@code maxScoreBytes}. */
    public static int queryChunkFor(long batch, long heads, long keys, long maxScoreBytes) {
        long perQuery = batch * heads * keys * 4;
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, maxScoreBytes / Math.max(1, perQuery)));
    }

    /**
     * @param q [B, H, Lq, D]
     * @param k [B, H, Lk, D]
     * @param v [B, H, Lk, Dv]
     * @param additiveMask null, or broadcastable to [B, H, Lq, Lk]: additive (0 = attend, -inf = masked) or
     *     boolean (true = attend)
     * @param queryChunk 0 for no chunking, else the number of queries per block
     * @return [B, H, Lq, Dv]
     */
    public static NDArray scaledDotProduct(NDArray q, NDArray k, NDArray v, NDArray additiveMask, int queryChunk) {
        FusedOps fused = fusedFor(q, k, v, additiveMask);
        if (fused != null) {
            return fused.attention(q, k, v, additiveMask, queryChunk);
        }
        return composed(q, k, v, additiveMask, queryChunk);
    }

    /**
     * The fused kernels when the mode allows them and they passed their self-test for q's type; null for the
     * composed route. Inputs the fused route does not take (mixed types, a mask of another float type than q, arrays
     * of another engine) go the composed route in every mode.
     */
    private static FusedOps fusedFor(NDArray q, NDArray k, NDArray v, NDArray mask) {
        if (FusedOps.mode() == FusedOps.Mode.COMPOSED) {
            return null;
        }
        DataType t = q.getDataType();
        if (k.getDataType() != t || v.getDataType() != t || !FusedOps.isPyTorch(q, k, v, mask)) {
            return null;
        }
        if (mask != null && mask.getDataType() != t && mask.getDataType() != DataType.BOOLEAN) {
            return null;
        }
        return FusedOps.select(FusedOps.Kernel.ATTENTION, q.getDevice(), t);
    }

    /** The composed route whatever the mode (the reference the fused kernel is tested against). */
    public static NDArray composed(NDArray q, NDArray k, NDArray v, NDArray additiveMask, int queryChunk) {
        long lq = q.getShape().get(2);
        if (queryChunk <= 0 || queryChunk >= lq) {
            return attend(q, k, v, additiveMask);
        }
        NDArray kt = k.transpose(0, 1, 3, 2);
        NDList parts = new NDList();
        for (long start = 0; start < lq; start += queryChunk) {
            long end = Math.min(lq, start + queryChunk);
            NDIndex rows = new NDIndex(":, :, {}:{}", start, end);
            try (NDScope scope = new NDScope()) {
                NDArray mask = additiveMask == null ? null
                        : additiveMask.getShape().get(2) == 1 ? additiveMask : additiveMask.get(rows);
                NDArray part = attendTransposed(q.get(rows), kt, v, mask);
                NDScope.unregister(part);
                parts.add(part);
            }
        }
        NDArray out = NDArrays.concat(parts, 2);
        parts.close();
        return out;
    }

    /** 0 where {@code allowed} is true, -inf where false; any boolean or 0/1 array. */
    public static NDArray additiveMask(NDArray allowed, DataType type) {
        NDArray ok = allowed.toType(DataType.BOOLEAN, false);
        NDArray zeros = allowed.getManager().zeros(allowed.getShape(), type);
        NDArray ninf = allowed.getManager().full(allowed.getShape(), Float.NEGATIVE_INFINITY, type);
        return NDArrays.where(ok, zeros, ninf);
    }

    private static NDArray attend(NDArray q, NDArray k, NDArray v, NDArray mask) {
        return attendTransposed(q, k.transpose(0, 1, 3, 2), v, mask);
    }

    private static NDArray attendTransposed(NDArray q, NDArray kt, NDArray v, NDArray mask) {
        // Scale q ([.., Lq, D]) rather than the scores ([.., Lq, Lk]): one pass over the small tensor.
        double scale = 1.0 / Math.sqrt(q.getShape().get(3));
        NDArray scores = q.mul((float) scale).matMul(kt);
        if (mask != null) {
            // Masked scores in float32: in float16, score + (-65504) rounds to -inf, and a fully masked row (a
            // query on left padding) would become NaN and spread through every later layer (HF upcasts too).
            if (scores.getDataType() != DataType.FLOAT32) {
                scores = scores.toType(DataType.FLOAT32, false);
            }
            scores = scores.add(mask.getDataType() == DataType.BOOLEAN ? additiveMask(mask, DataType.FLOAT32) : mask);
        }
        // Unmasked (the DiT) float16 scores stay float16: libtorch's half softmax accumulates in float32, and the
        // score block is the one tensor whose memory traffic dominates attention. queryChunkFor assumes 4 bytes.
        NDArray weights = scores.softmax(-1);
        return weights.toType(v.getDataType(), false).matMul(v);
    }
}
