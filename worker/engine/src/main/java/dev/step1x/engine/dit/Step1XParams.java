package dev.step1x.engine.dit;

import com.google.gson.JsonObject;
import com.google.gson.annotations.SerializedName;
import dev.step1x.engine.ConfigJson;
import dev.step1x.engine.InvalidConfigException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Hyper-parameters of the Step1X-Edit DiT, with the field names of the upstream {@code Step1XParams}
 * dataclass (stepfun-ai/Step1X-Edit {@code modules/model_edit.py}). There is no guidance embedder.
 *
 * @param inChannels {@code in_channels}: packed latent features per token (16 latent channels x 2x2)
 * @param outChannels {@code out_channels}
 * @param vecInDim {@code vec_in_dim}: width of the pooled vector (the connector's global projection)
 * @param contextInDim {@code context_in_dim}: width of the connector's token output
 * @param hiddenSize {@code hidden_size}
 * @param mlpRatio {@code mlp_ratio}: MLP width = {@code (int) (hidden_size * mlp_ratio)}
 * @param numHeads {@code num_heads}
 * @param depth {@code depth}: number of double-stream blocks
 * @param depthSingleBlocks {@code depth_single_blocks}: number of single-stream blocks
 * @param axesDim {@code axes_dim}: RoPE dims per position-id axis; they sum to the head dim
 * @param theta {@code theta}: RoPE base
 * @param qkvBias {@code qkv_bias}: whether the attention qkv projections have a bias
 */
public record Step1XParams(
        @SerializedName("in_channels") int inChannels,
        @SerializedName("out_channels") int outChannels,
        @SerializedName("vec_in_dim") int vecInDim,
        @SerializedName("context_in_dim") int contextInDim,
        @SerializedName("hidden_size") int hiddenSize,
        @SerializedName("mlp_ratio") double mlpRatio,
        @SerializedName("num_heads") int numHeads,
        @SerializedName("depth") int depth,
        @SerializedName("depth_single_blocks") int depthSingleBlocks,
        @SerializedName("axes_dim") List<Integer> axesDim,
        @SerializedName("theta") int theta,
        @SerializedName("qkv_bias") boolean qkvBias) {

    public Step1XParams {
        ConfigJson.positive("in_channels", inChannels);
        ConfigJson.positive("out_channels", outChannels);
        ConfigJson.positive("vec_in_dim", vecInDim);
        ConfigJson.positive("context_in_dim", contextInDim);
        ConfigJson.positive("hidden_size", hiddenSize);
        ConfigJson.positive("mlp_ratio", mlpRatio);
        ConfigJson.positive("num_heads", numHeads);
        ConfigJson.nonNegative("depth", depth);
        ConfigJson.nonNegative("depth_single_blocks", depthSingleBlocks);
        ConfigJson.positive("theta", theta);
        axesDim = ConfigJson.positiveList("axes_dim", axesDim, -1);
        if (hiddenSize % numHeads != 0) {
            throw new InvalidConfigException("hidden_size",
                    hiddenSize + " is not divisible by num_heads " + numHeads);
        }
        int headDim = hiddenSize / numHeads;
        int sum = 0;
        for (int i = 0; i < axesDim.size(); i++) {
            if (axesDim.get(i) % 2 != 0) {
                throw new InvalidConfigException("axes_dim",
                        "entry " + i + " is " + axesDim.get(i) + "; RoPE rotates pairs, so every entry must be even");
            }
            sum += axesDim.get(i);
        }
        if (sum != headDim) {
            throw new InvalidConfigException("axes_dim", "sum(axes_dim) = " + sum + " " + axesDim
                    + " must equal hidden_size / num_heads = " + hiddenSize + " / " + numHeads + " = " + headDim);
        }
        if ((int) (hiddenSize * mlpRatio) <= 0) {
            throw new InvalidConfigException("mlp_ratio",
                    "hidden_size * mlp_ratio = " + hiddenSize * mlpRatio + " gives an empty MLP");
        }
    }

    /** The released Step1X-Edit DiT (v1.0 and v1.1 alike). */
    public static Step1XParams official() {
        return new Step1XParams(64, 64, 768, 4096, 3072, 4.0, 24, 19, 38, List.of(16, 56, 56), 10_000, true);
    }

    /**
     * Reads the DiT parameters from a JSON file: either the fields at the top level, or nested
     * under {@code "params"} (the parity {@code dit_config.json} layout).
     */
    public static Step1XParams fromJson(Path file) throws IOException {
        return fromJson(ConfigJson.readObject(file), file.toString());
    }

    /** As {@link #fromJson(Path)}, from JSON text. */
    public static Step1XParams fromJson(String json) {
        return fromJson(ConfigJson.parseObject(json, "Step1XParams JSON"), null);
    }

    private static Step1XParams fromJson(JsonObject root, String source) {
        JsonObject obj = ConfigJson.section(root, "params");
        return ConfigJson.read(obj, Step1XParams.class, obj == root ? "" : "params", source);
    }

    /** {@code hidden_size / num_heads}. */
    public int headDim() {
        return hiddenSize / numHeads;
    }

    /** Hidden width of the block MLPs, {@code int(hidden_size * mlp_ratio)} as upstream. */
    public int mlpHiddenDim() {
        return (int) (hiddenSize * mlpRatio);
    }
}
