package dev.step1x.engine.connector;

import com.google.gson.JsonObject;
import com.google.gson.annotations.SerializedName;
import dev.step1x.engine.ConfigJson;
import dev.step1x.engine.InvalidConfigException;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Constructor arguments of the upstream {@code Qwen2Connector} (stepfun-ai/Step1X-Edit
 * {@code modules/connector_edit.py}), with its argument names. The released DiT builds it with the
 * defaults ({@link #official()}); everything else about the connector is hard-coded upstream and
 * kept here as constants.
 *
 * @param inChannels {@code in_channels}: MLLM hidden width (3584 for Qwen2.5-VL-7B)
 * @param hiddenSize {@code hidden_size}: refiner width = the DiT's {@code context_in_dim}
 * @param headsNum {@code heads_num}: refiner attention heads
 * @param depth {@code depth}: number of {@code IndividualTokenRefinerBlock}s
 * @param needCA {@code need_CA}: cross-attention variant; false in every released model and not supported
 */
public record Qwen2ConnectorConfig(
        @SerializedName("in_channels") int inChannels,
        @SerializedName("hidden_size") int hiddenSize,
        @SerializedName("heads_num") int headsNum,
        @SerializedName("depth") int depth,
        @SerializedName("need_CA") boolean needCA) {

    /** Output width of {@code global_proj_out} (becomes the DiT's {@code vec_in_dim} input). */
    public static final int GLOBAL_PROJ_OUT_FEATURES = 768;
    /** Refiner MLP width = {@code int(hidden_size * MLP_WIDTH_RATIO)}. */
    public static final double MLP_WIDTH_RATIO = 4.0;
    /** Activation of the refiner MLPs, adaLN and embedders. */
    public static final String ACT_TYPE = "silu";
    /** The refiner has no q/k norm. */
    public static final boolean QK_NORM = false;
    /** The refiner's qkv and proj linears have biases. */
    public static final boolean QKV_BIAS = true;
    /** Width of the sinusoidal timestep features fed to {@code t_embedder}. */
    public static final int FREQUENCY_EMBEDDING_SIZE = 256;
    /** Sinusoid max period. */
    public static final int MAX_PERIOD = 10_000;
    /** The connector multiplies t in [0, 1] by this before embedding it. */
    public static final double TIMESTEP_MULTIPLIER = 1000.0;
    /** v1.0 only: initial value of {@code scale_factor} (the checkpoint holds the trained value). */
    public static final double SCALE_FACTOR_INIT = -0.91;
    /** Affine LayerNorm eps inside the refiner blocks. */
    public static final double LAYER_NORM_EPS = 1e-6;

    public Qwen2ConnectorConfig {
        ConfigJson.positive("in_channels", inChannels);
        ConfigJson.positive("hidden_size", hiddenSize);
        ConfigJson.positive("heads_num", headsNum);
        ConfigJson.nonNegative("depth", depth);
        if (hiddenSize % headsNum != 0) {
            throw new InvalidConfigException("hidden_size", hiddenSize + " is not divisible by heads_num " + headsNum);
        }
        if (needCA) {
            throw new InvalidConfigException("need_CA",
                    "true is not supported (no released Step1X-Edit model uses the cross-attention connector)");
        }
    }

    /** The connector of the released Step1X-Edit models (upstream constructor defaults). */
    public static Qwen2ConnectorConfig official() {
        return new Qwen2ConnectorConfig(3584, 4096, 32, 2, false);
    }

    /**
     * Reads the connector arguments from a JSON file: at the top level (parity
     * {@code connector_config.json}) or nested under {@code "connector"} (parity {@code dit_config.json}).
     */
    public static Qwen2ConnectorConfig fromJson(Path file) throws IOException {
        return fromJson(ConfigJson.readObject(file), file.toString());
    }

    /** As {@link #fromJson(Path)}, from JSON text. */
    public static Qwen2ConnectorConfig fromJson(String json) {
        return fromJson(ConfigJson.parseObject(json, "Qwen2Connector JSON"), null);
    }

    private static Qwen2ConnectorConfig fromJson(JsonObject root, String source) {
        JsonObject obj = ConfigJson.section(root, "connector");
        return ConfigJson.read(obj, Qwen2ConnectorConfig.class, obj == root ? "" : "connector", source);
    }

    /** {@code hidden_size / heads_num}. */
    public int headDim() {
        return hiddenSize / headsNum;
    }

    /** Refiner MLP width, {@code int(hidden_size * 4.0)}. */
    public int mlpHiddenDim() {
        return (int) (hiddenSize * MLP_WIDTH_RATIO);
    }
}
