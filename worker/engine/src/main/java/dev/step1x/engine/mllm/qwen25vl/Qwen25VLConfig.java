package dev.step1x.engine.mllm.qwen25vl;

import com.google.gson.annotations.SerializedName;
import dev.step1x.engine.ConfigJson;
import dev.step1x.engine.InvalidConfigException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * The Qwen2.5-VL configuration as laid out in the hub {@code config.json} of
 * {@code Qwen/Qwen2.5-VL-7B-Instruct}: text fields at the top level, {@code vision_config},
 * {@code rope_scaling} with {@code mrope_section}. Only the fields the encoder needs are read; the
 * rest are ignored. Values are checked for consistency (head dims, GQA grouping, M-RoPE sections,
 * window and full-attention indexes, merger output = text width).
 */
public record Qwen25VLConfig(
        @SerializedName("vocab_size") int vocabSize,
        @SerializedName("hidden_size") int hiddenSize,
        @SerializedName("intermediate_size") int intermediateSize,
        @SerializedName("num_hidden_layers") int numHiddenLayers,
        @SerializedName("num_attention_heads") int numAttentionHeads,
        @SerializedName("num_key_value_heads") int numKeyValueHeads,
        @SerializedName("hidden_act") String hiddenAct,
        @SerializedName("rms_norm_eps") double rmsNormEps,
        @SerializedName("rope_theta") double ropeTheta,
        @SerializedName("max_position_embeddings") int maxPositionEmbeddings,
        @SerializedName("use_sliding_window") boolean useSlidingWindow,
        @SerializedName("tie_word_embeddings") boolean tieWordEmbeddings,
        @SerializedName("bos_token_id") int bosTokenId,
        @SerializedName("eos_token_id") int eosTokenId,
        @SerializedName("vision_start_token_id") int visionStartTokenId,
        @SerializedName("vision_end_token_id") int visionEndTokenId,
        @SerializedName("vision_token_id") int visionTokenId,
        @SerializedName("image_token_id") int imageTokenId,
        @SerializedName("video_token_id") int videoTokenId,
        @SerializedName("rope_scaling") RopeScaling ropeScaling,
        @SerializedName("vision_config") VisionConfig visionConfig) {

    /**
     * {@code rope_scaling}: multimodal RoPE. {@code type} is "mrope" in the hub file (transformers
     * rewrites it to "default"; newer files spell it {@code rope_type}).
     *
     * @param mropeSection frequencies driven by the (temporal, height, width) position streams; sums to head_dim / 2
     */
    public record RopeScaling(
            @SerializedName(value = "type", alternate = {"rope_type"}) String type,
            @SerializedName("mrope_section") List<Integer> mropeSection) {

        public RopeScaling {
            ConfigJson.required("type", type);
            if (!type.equals("mrope") && !type.equals("default")) {
                throw new InvalidConfigException("type", "'" + type + "' is not supported (expected \"mrope\")");
            }
            mropeSection = ConfigJson.positiveList("mrope_section", mropeSection, 3);
        }
    }

    /** {@code vision_config}: the vision tower ({@code visual.*}). */
    public record VisionConfig(
            @SerializedName("depth") int depth,
            @SerializedName("hidden_size") int hiddenSize,
            @SerializedName("intermediate_size") int intermediateSize,
            @SerializedName("num_heads") int numHeads,
            @SerializedName("hidden_act") String hiddenAct,
            @SerializedName(value = "in_chans", alternate = {"in_channels"}) int inChans,
            @SerializedName("out_hidden_size") int outHiddenSize,
            @SerializedName("patch_size") int patchSize,
            @SerializedName("temporal_patch_size") int temporalPatchSize,
            @SerializedName("spatial_merge_size") int spatialMergeSize,
            @SerializedName("window_size") int windowSize,
            @SerializedName("fullatt_block_indexes") List<Integer> fullattBlockIndexes,
            @SerializedName("tokens_per_second") int tokensPerSecond) {

        /** Vision RMSNorm (blocks and merger {@code ln_q}) eps, hard-coded upstream. */
        public static final double RMS_NORM_EPS = 1e-6;
        /** Vision 2-D RoPE base, hard-coded upstream. */
        public static final double ROPE_THETA = 10_000.0;

        public VisionConfig {
            ConfigJson.positive("depth", depth);
            ConfigJson.positive("hidden_size", hiddenSize);
            ConfigJson.positive("intermediate_size", intermediateSize);
            ConfigJson.positive("num_heads", numHeads);
            ConfigJson.required("hidden_act", hiddenAct);
            ConfigJson.positive("in_chans", inChans);
            ConfigJson.positive("out_hidden_size", outHiddenSize);
            ConfigJson.positive("patch_size", patchSize);
            ConfigJson.positive("temporal_patch_size", temporalPatchSize);
            ConfigJson.positive("spatial_merge_size", spatialMergeSize);
            ConfigJson.positive("window_size", windowSize);
            ConfigJson.positive("tokens_per_second", tokensPerSecond);
            if (fullattBlockIndexes == null) {
                throw new InvalidConfigException("fullatt_block_indexes", "missing (required)");
            }
            fullattBlockIndexes = List.copyOf(fullattBlockIndexes);
            for (int i = 0; i < fullattBlockIndexes.size(); i++) {
                int b = fullattBlockIndexes.get(i);
                if (b < 0 || b >= depth) {
                    throw new InvalidConfigException("fullatt_block_indexes",
                            "entry " + i + " = " + b + " is not a block index in [0, depth = " + depth + ")");
                }
            }
            if (hiddenSize % numHeads != 0) {
                throw new InvalidConfigException("hidden_size", hiddenSize + " is not divisible by num_heads " + numHeads);
            }
            if ((hiddenSize / numHeads) % 4 != 0) {
                throw new InvalidConfigException("num_heads", "head dim hidden_size / num_heads = " + hiddenSize / numHeads
                        + " must be divisible by 4 (2-D rotary over height and width)");
            }
            if (windowSize % (patchSize * spatialMergeSize) != 0) {
                throw new InvalidConfigException("window_size", windowSize
                        + " is not a multiple of patch_size * spatial_merge_size = " + patchSize * spatialMergeSize);
            }
        }

        /** {@code hidden_size / num_heads}. */
        public int headDim() {
            return hiddenSize / numHeads;
        }

        /** Width of one merged token before the merger MLP: {@code hidden_size * spatial_merge_size^2}. */
        public int mergedHiddenSize() {
            return hiddenSize * spatialMergeSize * spatialMergeSize;
        }

        /** Features of one flattened patch: {@code in_chans * temporal_patch_size * patch_size^2}. */
        public int patchFeatures() {
            return inChans * temporalPatchSize * patchSize * patchSize;
        }
    }

    public Qwen25VLConfig {
        ConfigJson.positive("vocab_size", vocabSize);
        ConfigJson.positive("hidden_size", hiddenSize);
        ConfigJson.positive("intermediate_size", intermediateSize);
        ConfigJson.positive("num_hidden_layers", numHiddenLayers);
        ConfigJson.positive("num_attention_heads", numAttentionHeads);
        ConfigJson.positive("num_key_value_heads", numKeyValueHeads);
        ConfigJson.required("hidden_act", hiddenAct);
        ConfigJson.positive("rms_norm_eps", rmsNormEps);
        ConfigJson.positive("rope_theta", ropeTheta);
        ConfigJson.positive("max_position_embeddings", maxPositionEmbeddings);
        if (ropeScaling == null) {
            throw new InvalidConfigException("rope_scaling", "missing (required)");
        }
        if (visionConfig == null) {
            throw new InvalidConfigException("vision_config", "missing (required)");
        }
        if (useSlidingWindow) {
            throw new InvalidConfigException("use_sliding_window",
                    "true is not supported (Qwen2.5-VL uses full causal attention in every layer)");
        }
        if (hiddenSize % numAttentionHeads != 0) {
            throw new InvalidConfigException("hidden_size",
                    hiddenSize + " is not divisible by num_attention_heads " + numAttentionHeads);
        }
        if (numAttentionHeads % numKeyValueHeads != 0) {
            throw new InvalidConfigException("num_key_value_heads", "num_attention_heads " + numAttentionHeads
                    + " is not a multiple of num_key_value_heads " + numKeyValueHeads);
        }
        int headDim = hiddenSize / numAttentionHeads;
        int sections = ropeScaling.mropeSection().stream().mapToInt(Integer::intValue).sum();
        if (headDim % 2 != 0 || sections != headDim / 2) {
            throw new InvalidConfigException("rope_scaling.mrope_section", "sum " + sections + " "
                    + ropeScaling.mropeSection() + " must equal head_dim / 2 = " + headDim + " / 2");
        }
        if (visionConfig.outHiddenSize() != hiddenSize) {
            throw new InvalidConfigException("vision_config.out_hidden_size", visionConfig.outHiddenSize()
                    + " must equal the text hidden_size " + hiddenSize + " (image features replace token embeddings)");
        }
        checkTokenId("bos_token_id", bosTokenId, vocabSize);
        checkTokenId("eos_token_id", eosTokenId, vocabSize);
        checkTokenId("vision_start_token_id", visionStartTokenId, vocabSize);
        checkTokenId("vision_end_token_id", visionEndTokenId, vocabSize);
        checkTokenId("vision_token_id", visionTokenId, vocabSize);
        checkTokenId("image_token_id", imageTokenId, vocabSize);
        checkTokenId("video_token_id", videoTokenId, vocabSize);
    }

    private static void checkTokenId(String field, int id, int vocabSize) {
        if (id < 0 || id >= vocabSize) {
            throw new InvalidConfigException(field, id + " is outside the vocabulary [0, " + vocabSize + ")");
        }
    }

    /** {@code Qwen/Qwen2.5-VL-7B-Instruct}, the MLLM of every released Step1X-Edit model. */
    public static Qwen25VLConfig qwen25Vl7BInstruct() {
        return new Qwen25VLConfig(152064, 3584, 18944, 28, 28, 4, "silu", 1e-6, 1_000_000.0, 128000, false, false,
                151643, 151645, 151652, 151653, 151654, 151655, 151656,
                new RopeScaling("mrope", List.of(16, 24, 24)),
                new VisionConfig(32, 1280, 3420, 16, "silu", 3, 3584, 14, 2, 2, 112, List.of(7, 15, 23, 31), 2));
    }

    /** Reads a hub-layout {@code config.json}. */
    public static Qwen25VLConfig fromJson(Path file) throws IOException {
        return ConfigJson.read(ConfigJson.readObject(file), Qwen25VLConfig.class, "", file.toString());
    }

    /** As {@link #fromJson(Path)}, from JSON text. */
    public static Qwen25VLConfig fromJson(String json) {
        return ConfigJson.read(ConfigJson.parseObject(json, "Qwen2.5-VL config JSON"), Qwen25VLConfig.class, "", null);
    }

    /** {@code hidden_size / num_attention_heads}. */
    public int headDim() {
        return hiddenSize / numAttentionHeads;
    }

    /** Width of the k and v projections, {@code num_key_value_heads * head_dim}. */
    public int kvDim() {
        return numKeyValueHeads * headDim();
    }

    /** {@code rope_scaling.mrope_section}. */
    public List<Integer> mropeSection() {
        return ropeScaling.mropeSection();
    }
}
