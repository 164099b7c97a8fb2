// Port of huggingface/transformers models/qwen2_5_vl/modeling_qwen2_5_vl.py @ 00b676f
// (Qwen2_5_VLTextModel; causal mask as masking_utils / _prepare_4d_causal_attention_mask build it for eager).
// Keys (relative to model): embed_tokens.weight, layers.{i}.*, norm.weight
package dev.step1x.engine.mllm.qwen25vl;

import dev.step1x.engine.Tap;
import dev.step1x.engine.nn.Precision;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.step1x.engine.nn.Attention;
import dev.step1x.engine.nn.Params;
import dev.step1x.engine.nn.RMSNorm;
import dev.step1x.engine.nn.Scoped;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The decoder stack ({@code Qwen2_5_VLTextModel}; {@code Qwen2_5_VLModel} before transformers 4.52):
 * token embedding, {@code num_hidden_layers} {@link Qwen25VLDecoderLayer}s with M-RoPE, final RMSNorm.
 *
 * <p>Computes in the type of its weights (FLOAT32 as loaded by {@link Qwen25VLModel#load}). Every
 * forward frees its intermediates; results belong to the input's manager and the caller's
 * {@link NDScope}, if any.
 */
public final class Qwen25VLTextModel {

    private final Qwen25VLConfig config;
    private final NDArray embedTokens;
    private final List<Qwen25VLDecoderLayer> layers;
    private final RMSNorm norm;
    private final Qwen2RotaryEmbedding rotary;
    private long maxScoreBytes = Attention.DEFAULT_SCORE_BYTES;

    /** Builds the decoder from its parameters; on a {@link dev.step1x.engine.weights.WeightSpec.Builder} records the keys. */
    public Qwen25VLTextModel(Params p, Qwen25VLConfig c) {
        this.config = c;
        this.embedTokens = p.child("embed_tokens").get("weight", c.vocabSize(), c.hiddenSize());
        List<Qwen25VLDecoderLayer> ls = new ArrayList<>();
        Params lp = p.child("layers");
        for (int i = 0; i < c.numHiddenLayers(); i++) {
            ls.add(new Qwen25VLDecoderLayer(lp.child(i), c));
        }
        this.layers = Collections.unmodifiableList(ls);
        this.norm = new RMSNorm(p.child("norm"), "weight", c.hiddenSize(), (float) c.rmsNormEps());
        this.rotary = new Qwen2RotaryEmbedding(c);
    }

    public Qwen25VLConfig config() {
        return config;
    }

    public List<Qwen25VLDecoderLayer> layers() {
        return layers;
    }

    public Qwen2RotaryEmbedding rotary() {
        return rotary;
    }

    /** Bound on one attention score block ({@link Attention#queryChunkFor}); 0 or less: no chunking. */
    public void setMaxScoreBytes(long maxScoreBytes) {
        this.maxScoreBytes = maxScoreBytes;
    }

    /** Token embeddings {@code embed_tokens.weight[ids]}: [B, L] -> [B, L, hidden], in the weight's type. */
    public NDArray embed(NDArray inputIds) {
        Shape s = inputIds.getShape();
        if (s.dimension() != 2) {
            throw new IllegalArgumentException("input_ids must be [B, L], got " + s);
        }
        return Scoped.run(() -> {
            NDArray flat = inputIds.toType(DataType.INT64, false).reshape(s.size());
            checkIds(flat);
            return embedTokens.get(new NDIndex("{}", flat)).reshape(s.get(0), s.get(1), config.hiddenSize());
        });
    }

    /** As {@link #forward(NDArray, NDArray, NDArray, Tap)} without a tap. */
    public NDArray forward(NDArray inputsEmbeds, NDArray positionIds, NDArray attentionMask) {
        return forward(inputsEmbeds, positionIds, attentionMask, Tap.NONE);
    }

    /**
     * The decoder on given embeddings.
     *
     * @param inputsEmbeds [B, L, hidden] (image rows already in place)
     * @param positionIds [3, B, L] ({@link RopeIndex})
     * @param attentionMask [B, L] 0/1, or null for all ones (then only the causal mask applies)
     * @param tap shown (request {@link Tap#BATCH}) {@code text_rope_cos}, {@code text_rope_sin} (the per-stream
     *     tables [3, B, L, head_dim]), {@code text_mrope_cos}, {@code text_mrope_sin} (the selected tables the
     *     layers use, [B, 1, L, head_dim]) and {@code layer<i>_out} (the residual stream after layer i, un-normed)
     * @return the last hidden state after the final norm [B, L, hidden] (= {@code hidden_states[-1]})
     */
    public NDArray forward(NDArray inputsEmbeds, NDArray positionIds, NDArray attentionMask, Tap tap) {
        Tap.require(tap);
        return Scoped.run(() -> run(inputsEmbeds, positionIds, attentionMask, tap));
    }

    private NDArray run(NDArray inputsEmbeds, NDArray positionIds, NDArray attentionMask, Tap tap) {
        Shape s = inputsEmbeds.getShape();
        if (s.dimension() != 3 || s.get(2) != config.hiddenSize()) {
            throw new IllegalArgumentException("inputs_embeds must be [B, L, " + config.hiddenSize() + "], got " + s);
        }
        long b = s.get(0);
        long l = s.get(1);
        if (!positionIds.getShape().equals(new Shape(3, b, l))) {
            throw new IllegalArgumentException("position_ids must be [3, " + b + ", " + l + "], got "
                    + positionIds.getShape());
        }
        Qwen2RotaryEmbedding.Tables rope;
        if (tap.active()) {
            Qwen2RotaryEmbedding.Tables streams = rotary.streams(positionIds);
            rope = rotary.select(streams);
            tap.tensor("text_rope_cos", Tap.BATCH, streams.cos());
            tap.tensor("text_rope_sin", Tap.BATCH, streams.sin());
            tap.tensor("text_mrope_cos", Tap.BATCH, rope.cos());
            tap.tensor("text_mrope_sin", Tap.BATCH, rope.sin());
        } else {
            rope = rotary.forward(positionIds);
        }
        NDArray mask = causalMask(inputsEmbeds.getManager(), b, l, attentionMask, inputsEmbeds.getDataType());
        int chunk = maxScoreBytes <= 0 ? 0
                : Attention.queryChunkFor(b, config.numAttentionHeads(), l, maxScoreBytes);
        NDArray h = inputsEmbeds;
        for (int i = 0; i < layers.size(); i++) {
            NDArray next = layers.get(i).forward(h, rope, mask, chunk);
            if (h != inputsEmbeds) {
                h.close();
            }
            h = next;
            tap.tensor("layer" + i + "_out", Tap.BATCH, h);
        }
        return norm.forward(h);
    }

    /**
     * The additive attention mask: 0 where key ≤ query and the key's mask is non-zero, {@link Precision#maskMin}
     * elsewhere. [1, 1, L, L] without a padding mask, else [B, 1, L, L].
     */
    public static NDArray causalMask(NDManager manager, long b, long l, NDArray attentionMask, DataType type) {
        if (attentionMask != null && !attentionMask.getShape().equals(new Shape(b, l))) {
            throw new IllegalArgumentException("attention_mask must be [" + b + ", " + l + "], got "
                    + attentionMask.getShape());
        }
        return Scoped.run(() -> {
            NDArray idx = manager.arange(0, l, 1, DataType.INT64);
            NDArray allowed = idx.reshape(1, l).lte(idx.reshape(l, 1)); // [q, k]: k <= q
            if (attentionMask == null) {
                allowed = allowed.reshape(1, 1, l, l);
            } else {
                NDArray keyOk = attentionMask.toType(DataType.INT64, false).neq(0).reshape(b, 1, 1, l);
                allowed = allowed.reshape(1, 1, l, l).logicalAnd(keyOk);
            }
            // (allowed - 1) · MAX: 0 where allowed, finfo(type).min where masked (as upstream). Unlike -inf, a
            // row with every key masked (a query on left padding) then gives uniform weights, not NaN.
            return allowed.toType(DataType.FLOAT32, false).sub(1f).mul(-Precision.maskMin(type)).toType(type, false);
        });
    }

    private void checkIds(NDArray flatIds) {
        if (flatIds.isEmpty()) {
            return;
        }
        long min = flatIds.min().getLong();
        long max = flatIds.max().getLong();
        if (min < 0 || max >= config.vocabSize()) {
            throw new IllegalArgumentException("token ids must be in [0, " + config.vocabSize() + "), got "
                    + min + ".." + max);
        }
    }
}
