// Port of huggingface/transformers models/qwen2_5_vl/modeling_qwen2_5_vl.py @ 00b676f
// (Qwen2_5_VLModel.forward: image features scattered into <|image_pad|> rows, get_rope_index, text model).
// Keys (hub legacy layout): visual.*, model.embed_tokens, model.layers.{i}.*, model.norm; lm_head ignored.
package dev.step1x.engine.mllm.qwen25vl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.step1x.engine.Tap;
import dev.step1x.engine.nn.LoadedParams;
import dev.step1x.engine.nn.Params;
import dev.step1x.engine.nn.Scoped;
import dev.step1x.engine.weights.Checkpoint;
import dev.step1x.engine.weights.StrictLoader;
import dev.step1x.engine.weights.TensorInfo;
import dev.step1x.engine.weights.WeightSpec;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Qwen2.5-VL as Step1X-Edit uses it: an encoder returning the last hidden states (after the final
 * RMSNorm) of one prefill forward. Checkpoint keys are the hub ones of {@code Qwen/Qwen2.5-VL-7B-Instruct}
 * ({@code Qwen2_5_VLForConditionalGeneration}: {@code visual.*}, {@code model.*}, {@code lm_head}).
 *
 * <p>The spec has no {@code lm_head.weight}: hidden states never go through it, so loading it would
 * waste ~1 GiB (7B, bf16). The 7B checkpoint holds it (untied), the tiny parity file does not; pass
 * {@link #ignorableKeys(Qwen25VLConfig)} to the strict loader so it is skipped when present and not
 * required when absent.
 *
 * <p>Forward: the vision tower turns {@code pixel_values} into one row per merged 2x2 patch group;
 * row k replaces the embedding of the k-th {@code <|image_pad|>} token (row-major over the batch);
 * {@link RopeIndex} gives the M-RoPE positions; the {@link Qwen25VLTextModel} runs with the causal
 * mask plus the padding mask. Computes in the type of its weights (FLOAT32 as loaded by {@link #load});
 * every forward frees its intermediates.
 */
public final class Qwen25VLModel {

    /** The LM head: in untied checkpoints, [vocab_size, hidden_size]; unused by an encoder. */
    public static final String LM_HEAD_KEY = "lm_head.weight";

    private final Qwen25VLConfig config;
    private final Qwen25VisionTransformer visual;
    private final Qwen25VLTextModel model;

    /**
     * Builds the model from the root of its parameters ({@code visual.*}, {@code model.*}); on a
     * {@link WeightSpec.Builder} this only records the keys.
     */
    public Qwen25VLModel(Params p, Qwen25VLConfig config) {
        this.config = config;
        this.visual = new Qwen25VisionTransformer(p.child("visual"), config.visionConfig());
        this.model = new Qwen25VLTextModel(p.child("model"), config);
    }

    /** Every tensor the encoder needs, with its exact shape, in module order (vision tower, then text model). */
    public static WeightSpec weightSpec(Qwen25VLConfig config) {
        WeightSpec.Builder b = WeightSpec.builder();
        new Qwen25VLModel(b, config);
        return b.build();
    }

    /** Checkpoint keys that may be present but are not loaded: {@value #LM_HEAD_KEY}. */
    public static Set<String> ignorableKeys(Qwen25VLConfig config) {
        return Set.of(LM_HEAD_KEY);
    }

    /**
     * Maps the in-memory names of newer transformers (&ge; 4.52), which some fine-tune tools save,
     * to the hub names the spec uses: {@code model.language_model.X -> model.X},
     * {@code model.visual.X -> visual.X}; other keys are returned unchanged.
     */
    public static String legacyKey(String key) {
        if (key.startsWith("model.language_model.")) {
            return "model." + key.substring("model.language_model.".length());
        }
        if (key.startsWith("model.visual.")) {
            return key.substring("model.".length());
        }
        return key;
    }

    /**
     * Loads the model strictly from a safetensors file, a directory of shards or a
     * {@code *.safetensors.index.json}: every tensor of {@link #weightSpec} with its exact shape, no
     * other key except {@value #LM_HEAD_KEY}. Keys may use the hub names or the newer
     * {@code model.language_model.*} / {@code model.visual.*} names ({@link #legacyKey}). Tensors are
     * loaded as FLOAT32 (BF16 widened) onto {@code manager}; closing it frees them.
     */
    public static Qwen25VLModel load(NDManager manager, Path modelDirOrFile, Qwen25VLConfig config) throws IOException {
        return load(manager, modelDirOrFile, config, DataType.FLOAT32);
    }

    /** As {@link #load(NDManager, Path, Qwen25VLConfig)}, computing in {@code type} (FLOAT32 or FLOAT16). */
    public static Qwen25VLModel load(NDManager manager, Path modelDirOrFile, Qwen25VLConfig config, DataType type)
            throws IOException {
        return new Qwen25VLModel(new LoadedParams(loadTensors(manager, modelDirOrFile, config, type)), config);
    }

    /**
     * The strictly checked tensors of {@link #load}, by hub key, as {@code type} on {@code manager}: build the
     * model with {@code new Qwen25VLModel(new LoadedParams(tensors), config)} (also from copies on another device).
     */
    public static Map<String, NDArray> loadTensors(NDManager manager, Path modelDirOrFile, Qwen25VLConfig config,
            DataType type) throws IOException {
        WeightSpec spec = weightSpec(config);
        try (Checkpoint ckpt = Checkpoint.open(modelDirOrFile)) {
            Map<String, TensorInfo> byLegacy = new LinkedHashMap<>();
            Map<String, String> fileKey = new LinkedHashMap<>();
            for (Map.Entry<String, TensorInfo> e : ckpt.tensors().entrySet()) {
                String k = legacyKey(e.getKey());
                if (byLegacy.put(k, e.getValue()) != null) {
                    throw new IOException(ckpt.description() + ": '" + e.getKey() + "' and '" + fileKey.get(k)
                            + "' both name the tensor " + k);
                }
                fileKey.put(k, e.getKey());
            }
            StrictLoader.Report report = StrictLoader.check(spec, byLegacy, ckpt.description(), ignorableKeys(config));
            if (!report.ok()) {
                throw new StrictLoader.WeightMismatchException(report);
            }
            Map<String, NDArray> tensors = new LinkedHashMap<>();
            try {
                for (String key : spec.shapes().keySet()) {
                    tensors.put(key, ckpt.load(manager, fileKey.get(key), type));
                }
            } catch (IOException | RuntimeException e) {
                tensors.values().forEach(NDArray::close);
                throw e;
            }
            return tensors;
        }
    }

    public Qwen25VLConfig config() {
        return config;
    }

    public Qwen25VisionTransformer visual() {
        return visual;
    }

    public Qwen25VLTextModel textModel() {
        return model;
    }

    /**
     * The vision tower: merged image features [Σ t·h·w/4, hidden], images in order, merged tokens in
     * raster order.
     */
    public NDArray encodeImages(NDArray pixelValues, long[][] gridThw) {
        return Scoped.run(() -> visual.forward(pixelValues, gridThw));
    }

    /**
     * Token embeddings with the image features in place: the k-th {@code <|image_pad|>} (row-major
     * over [B, L]) takes row k of {@code imageFeatures} ({@code masked_scatter}).
     *
     * @param imageFeatures [N, hidden] with N the number of image pad tokens, or null when there are none
     */
    public NDArray inputsEmbeds(NDArray inputIds, NDArray imageFeatures) {
        long[] ids = longs(inputIds);
        int n = 0;
        for (long id : ids) {
            if (id == config.imageTokenId()) {
                n++;
            }
        }
        long rows = imageFeatures == null ? 0 : imageFeatures.getShape().get(0);
        if (n != rows) {
            throw new IllegalArgumentException("Image features and image tokens do not match: tokens: " + n
                    + ", features " + rows);
        }
        if (n == 0) {
            return model.embed(inputIds);
        }
        if (imageFeatures.getShape().dimension() != 2 || imageFeatures.getShape().get(1) != config.hiddenSize()) {
            throw new IllegalArgumentException("image features must be [N, " + config.hiddenSize() + "], got "
                    + imageFeatures.getShape());
        }
        long[] gather = new long[ids.length];
        long next = ids.length;
        for (int i = 0; i < ids.length; i++) {
            gather[i] = ids[i] == config.imageTokenId() ? next++ : i;
        }
        Shape s = inputIds.getShape();
        return Scoped.run(() -> {
            NDArray text = model.embed(inputIds);
            NDArray table = NDArrays.concat(new NDList(text.reshape(ids.length, config.hiddenSize()),
                    imageFeatures.toType(text.getDataType(), false)), 0);
            NDArray index = inputIds.getManager().create(gather);
            return table.get(new NDIndex("{}", index)).reshape(s.get(0), s.get(1), config.hiddenSize());
        });
    }

    /** As {@link #forward(NDArray, NDArray, NDArray, long[][], Tap)} without a tap. */
    public NDArray forward(NDArray inputIds, NDArray attentionMask, NDArray pixelValues, long[][] gridThw) {
        return forward(inputIds, attentionMask, pixelValues, gridThw, Tap.NONE);
    }

    /**
     * One prefill forward.
     *
     * @param inputIds [B, L] token ids, with {@code t·h·w/4} {@code <|image_pad|>} tokens per image
     * @param attentionMask [B, L] 0/1, or null for all ones
     * @param pixelValues [Σ t·h·w, 1176] float, or null without images
     * @param gridThw (t, h, w) per image, or null without images
     * @param tap shown (request {@link Tap#BATCH}) the names of the golden case {@code full_forward}:
     *     {@code vision_output} (the vision tower's output [N, hidden], with images), then what
     *     {@link #forwardWithImageFeatures(NDArray, NDArray, NDArray, long[][], Tap)} shows
     * @return the last hidden state after the final norm [B, L, hidden] (= {@code hidden_states[-1]})
     */
    public NDArray forward(NDArray inputIds, NDArray attentionMask, NDArray pixelValues, long[][] gridThw, Tap tap) {
        Tap.require(tap);
        return Scoped.run(() -> {
            NDArray features = pixelValues == null ? null : encodeImages(pixelValues, gridThw);
            if (features != null) {
                tap.tensor("vision_output", Tap.BATCH, features);
            }
            return forwardWithImageFeatures(inputIds, attentionMask, features, gridThw, tap);
        });
    }

    /** As {@link #forward}, with the vision tower's output given (e.g. computed once for several prompts). */
    public NDArray forwardWithImageFeatures(NDArray inputIds, NDArray attentionMask, NDArray imageFeatures,
            long[][] gridThw) {
        return forwardWithImageFeatures(inputIds, attentionMask, imageFeatures, gridThw, Tap.NONE);
    }

    /**
     * As {@link #forwardWithImageFeatures(NDArray, NDArray, NDArray, long[][])}, showing {@code tap} (request
     * {@link Tap#BATCH}) {@code inputs_embeds} (the image rows in place) [B, L, hidden], {@code position_ids}
     * [3, B, L] and {@code rope_deltas} [B, 1] (int64), then what the text model shows
     * ({@link Qwen25VLTextModel#forward(NDArray, NDArray, NDArray, Tap)}).
     */
    public NDArray forwardWithImageFeatures(NDArray inputIds, NDArray attentionMask, NDArray imageFeatures,
            long[][] gridThw, Tap tap) {
        Tap.require(tap);
        return Scoped.run(() -> {
            NDArray embeds = inputsEmbeds(inputIds, imageFeatures);
            RopeIndex.Result pos = RopeIndex.getRopeIndex(inputIds, gridThw, attentionMask, config);
            if (tap.active()) {
                tap.tensor("inputs_embeds", Tap.BATCH, embeds);
                tap.tensor("position_ids", Tap.BATCH, pos.positionIds());
                tap.tensor("rope_deltas", Tap.BATCH, pos.ropeDeltas());
            }
            return model.forward(embeds, pos.positionIds(), attentionMask, tap);
        });
    }

    private static long[] longs(NDArray a) {
        if (a.getDataType() == DataType.INT64) {
            return a.toLongArray();
        }
        try (NDArray wide = a.toType(DataType.INT64, true)) {
            return wide.toLongArray();
        }
    }
}
