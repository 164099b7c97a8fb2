// Port of huggingface/transformers models/qwen2_5_vl/modeling_qwen2_5_vl.py @ 00b676f
// (Qwen2_5_VisionTransformerPretrainedModel: forward, rot_pos_emb, get_window_index).
// Keys (relative to visual): patch_embed.proj.weight, blocks.{j}.*, merger.*
package dev.step1x.engine.mllm.qwen25vl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.step1x.engine.Tap;
import dev.step1x.engine.nn.LoadedParams;
import dev.step1x.engine.nn.Params;
import dev.step1x.engine.nn.Scoped;
import dev.step1x.engine.weights.Checkpoint;
import dev.step1x.engine.weights.StrictLoader;
import dev.step1x.engine.weights.WeightSpec;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The vision tower ({@code Qwen2_5_VisionTransformerPretrainedModel}): Conv3d patch embedding (no bias),
 * 2-D RoPE, window/full-attention blocks, 2x2 patch merger into the text width.
 *
 * <p>Forward: patch embedding and rotary angles in {@code pixel_values} row order; merged tokens (groups
 * of {@code spatial_merge_size²} consecutive rows) reordered into window order ({@link VisionWindowIndex});
 * blocks attend within windows, or within whole frames for {@code fullatt_block_indexes}; the merger
 * output is put back into raster order of merged tokens (images concatenated).
 */
public final class Qwen25VisionTransformer {

    /** Checkpoint key prefix of the vision tower in the hub layout. */
    public static final String KEY_PREFIX = "visual";

    private final Qwen25VLConfig.VisionConfig cfg;
    private final Qwen25VisionPatchEmbed patchEmbed;
    private final Qwen25VisionRotaryEmbedding rotary;
    private final List<Qwen25VLVisionBlock> blocks;
    private final Qwen25VLPatchMerger merger;
    private final Set<Integer> fullAttention;

    /** @param p the parameters under {@code visual} */
    public Qwen25VisionTransformer(Params p, Qwen25VLConfig.VisionConfig cfg) {
        this.cfg = cfg;
        patchEmbed = new Qwen25VisionPatchEmbed(p.child("patch_embed"), cfg);
        rotary = new Qwen25VisionRotaryEmbedding(cfg.headDim() / 2, Qwen25VLConfig.VisionConfig.ROPE_THETA);
        Params bp = p.child("blocks");
        List<Qwen25VLVisionBlock> bs = new ArrayList<>(cfg.depth());
        for (int j = 0; j < cfg.depth(); j++) {
            bs.add(new Qwen25VLVisionBlock(bp.child(j), cfg));
        }
        blocks = List.copyOf(bs);
        merger = new Qwen25VLPatchMerger(p.child("merger"), cfg);
        fullAttention = Set.copyOf(new HashSet<>(cfg.fullattBlockIndexes()));
    }

    /** Records the tower's keys and shapes under {@code b} (normally {@code visual}). */
    public static void declare(WeightSpec.Builder b, Qwen25VLConfig.VisionConfig cfg) {
        new Qwen25VisionTransformer(b, cfg);
    }

    /** The tower's keys and shapes, under {@value #KEY_PREFIX}. */
    public static WeightSpec weightSpec(Qwen25VLConfig.VisionConfig cfg) {
        WeightSpec.Builder b = WeightSpec.builder();
        declare(b.child(KEY_PREFIX), cfg);
        return b.build();
    }

    /**
     * Loads the tower alone from a checkpoint in the hub layout: strict on every {@code visual.*} key,
     * every other key ignored.
     */
    public static Qwen25VisionTransformer load(NDManager manager, Checkpoint checkpoint, Qwen25VLConfig.VisionConfig cfg,
            DataType type) throws IOException {
        String prefix = KEY_PREFIX + ".";
        Set<String> others = checkpoint.tensors().keySet().stream().filter(k -> !k.startsWith(prefix))
                .collect(Collectors.toUnmodifiableSet());
        Map<String, NDArray> tensors = StrictLoader.loadAll(manager, weightSpec(cfg), checkpoint, type, others);
        return new Qwen25VisionTransformer(new LoadedParams(tensors).child(KEY_PREFIX), cfg);
    }

    /** As {@link #load(NDManager, Checkpoint, Qwen25VLConfig.VisionConfig, DataType)} from one safetensors file. */
    public static Qwen25VisionTransformer load(NDManager manager, Path safetensors, Qwen25VLConfig.VisionConfig cfg,
            DataType type) throws IOException {
        try (Checkpoint ckpt = Checkpoint.open(safetensors)) {
            return load(manager, ckpt, cfg, type);
        }
    }

    public Qwen25VLConfig.VisionConfig config() {
        return cfg;
    }

    public List<Qwen25VLVisionBlock> blocks() {
        return blocks;
    }

    /**
     * @param pixelValues {@code [Σ t·h·w, C·T·P·P]} as the image processor produces them
     * @param gridThw one (t, h, w) row per image, in patches; h and w multiples of spatial_merge_size
     * @return the image features {@code [Σ t·h·w / merge², out_hidden_size]}, merged tokens in raster order
     *     per image, images in order; all intermediates are freed
     */
    public NDArray forward(NDArray pixelValues, long[][] gridThw) {
        return forward(pixelValues, gridThw, Tap.NONE);
    }

    /**
     * As {@link #forward(NDArray, long[][])}, showing {@code tap} (request {@link Tap#BATCH}) the intermediates
     * under the names of the golden case {@code vision_forward}: {@code patch_embed}, {@code rot_pos_ids},
     * {@code rotary_pos_emb}, {@code window_index}, {@code cu_window_seqlens_raw}, {@code cu_window_seqlens},
     * {@code cu_seqlens}, {@code hidden_window_order}, {@code rope_cos}, {@code rope_sin}, {@code block<j>_out},
     * {@code merger_out_window_order} (the case's {@code output} is the returned array).
     */
    public NDArray forward(NDArray pixelValues, long[][] gridThw, Tap tap) {
        Tap.require(tap);
        return Scoped.run(() -> compute(pixelValues, gridThw, tap));
    }

    private NDArray compute(NDArray pixelValues, long[][] gridThw, Tap tap) {
        NDManager m = pixelValues.getManager();
        VisionWindowIndex wi = VisionWindowIndex.of(gridThw, cfg);
        long n = wi.numPatches();
        if (pixelValues.getShape().dimension() != 2 || pixelValues.getShape().get(0) != n) {
            throw new IllegalArgumentException("pixel_values " + pixelValues.getShape() + " does not have the "
                    + n + " rows of grid_thw " + Arrays.deepToString(gridThw));
        }
        int unit = cfg.spatialMergeSize() * cfg.spatialMergeSize();
        int headDim = cfg.headDim();

        NDArray h = patchEmbed.forward(pixelValues);
        NDArray pos = m.create(Qwen25VisionRotaryEmbedding.positionIds(gridThw, cfg.spatialMergeSize()), new Shape(n, 2));
        NDArray angles = rotary.angles(pos);
        NDArray windowIndex = m.create(wi.windowIndex());

        NDArray hw = toWindowOrder(h, windowIndex, unit);
        NDArray[] cs = Qwen25VisionRotaryEmbedding.cosSin(toWindowOrder(angles, windowIndex, unit));
        if (tap.active()) {
            tap.tensor("patch_embed", Tap.BATCH, h);
            tap.tensor("rot_pos_ids", Tap.BATCH, pos);
            tap.tensor("rotary_pos_emb", Tap.BATCH, angles);
            tap.tensor("window_index", Tap.BATCH, windowIndex);
            tap.tensor("cu_window_seqlens_raw", Tap.BATCH, m.create(wi.cuWindowSeqlensRaw()));
            tap.tensor("cu_window_seqlens", Tap.BATCH, m.create(wi.cuWindowSeqlens()));
            tap.tensor("cu_seqlens", Tap.BATCH, m.create(wi.cuSeqlens()));
            tap.tensor("hidden_window_order", Tap.BATCH, hw);
            tap.tensor("rope_cos", Tap.BATCH, cs[0]);
            tap.tensor("rope_sin", Tap.BATCH, cs[1]);
        }
        NDArray cos = cs[0].reshape(n, 1, headDim);
        NDArray sin = cs[1].reshape(n, 1, headDim);
        List<Qwen25VLVisionAttention.Run> windowRuns = Qwen25VLVisionAttention.runs(wi.cuWindowSeqlens());
        List<Qwen25VLVisionAttention.Run> fullRuns = Qwen25VLVisionAttention.runs(wi.cuSeqlens());

        NDArray x = hw;
        for (int j = 0; j < blocks.size(); j++) {
            x = blocks.get(j).forward(x, cos, sin, fullAttention.contains(j) ? fullRuns : windowRuns);
            tap.tensor("block" + j + "_out", Tap.BATCH, x);
        }
        NDArray merged = merger.forward(x);
        tap.tensor("merger_out_window_order", Tap.BATCH, merged);
        return merged.get(m.create(wi.inverse()));
    }

    /** Rows {@code [N, F]} regrouped by merged token: slot i takes the {@code unit} rows of token {@code index[i]}. */
    private static NDArray toWindowOrder(NDArray rows, NDArray index, int unit) {
        Shape s = rows.getShape();
        return rows.reshape(s.get(0) / unit, unit, s.get(1)).get(index).reshape(s);
    }
}
