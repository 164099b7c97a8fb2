// Port of stepfun-ai/Step1X-Edit modules/model_edit.py @ 570eba6 (Step1XEdit).
// Keys: img_in, time_in, vector_in, txt_in, double_blocks.{i}, single_blocks.{i}, final_layer, connector.*
package dev.step1x.engine.dit;

import dev.step1x.engine.InvalidConfigException;
import dev.step1x.engine.ModelVersion;
import dev.step1x.engine.connector.Qwen2Connector;
import dev.step1x.engine.connector.Qwen2ConnectorConfig;
import dev.step1x.engine.weights.WeightSpec;

/**
 * The Step1X-Edit DiT (FLUX.1 architecture without guidance embedding) together with its
 * {@code connector}; one checkpoint file ({@code step1x-edit-i1258.safetensors} for v1.0,
 * {@code step1x-edit-v1p1-official.safetensors} for v1.1) holds both, without key prefix.
 */
public final class Step1XEdit {

    /** Width of the sinusoidal timestep features fed to {@code time_in}. */
    public static final int TIMESTEP_EMBEDDING_DIM = 256;

    private Step1XEdit() {}

    /** Every tensor of a DiT checkpoint (connector included), with its exact shape, in module order. */
    public static WeightSpec weightSpec(Step1XParams params, Qwen2ConnectorConfig connector, ModelVersion version) {
        WeightSpec.Builder b = WeightSpec.builder();
        declare(b, params, connector, version);
        return b.build();
    }

    /** Declares the DiT and its connector under {@code b}. */
    public static void declare(WeightSpec.Builder b, Step1XParams p, Qwen2ConnectorConfig connector,
            ModelVersion version) {
        validate(p, connector);
        b.linear("img_in", p.inChannels(), p.hiddenSize(), true);
        MLPEmbedder.declare(b.child("time_in"), TIMESTEP_EMBEDDING_DIM, p.hiddenSize());
        MLPEmbedder.declare(b.child("vector_in"), p.vecInDim(), p.hiddenSize());
        b.linear("txt_in", p.contextInDim(), p.hiddenSize(), true);
        WeightSpec.Builder doubles = b.child("double_blocks");
        for (int i = 0; i < p.depth(); i++) {
            DoubleStreamBlock.declare(doubles.child(i), p);
        }
        WeightSpec.Builder singles = b.child("single_blocks");
        for (int i = 0; i < p.depthSingleBlocks(); i++) {
            SingleStreamBlock.declare(singles.child(i), p);
        }
        LastLayer.declare(b.child("final_layer"), p.hiddenSize(), 1, p.outChannels());
        Qwen2Connector.declare(b.child(Qwen2Connector.KEY_PREFIX), connector, version);
    }

    /**
     * Checks that the connector's outputs fit the DiT's inputs: its token width is
     * {@code context_in_dim} and its pooled vector (768 wide, hard-coded) is {@code vec_in_dim}.
     */
    public static void validate(Step1XParams p, Qwen2ConnectorConfig connector) {
        if (p.vecInDim() != Qwen2ConnectorConfig.GLOBAL_PROJ_OUT_FEATURES) {
            throw new InvalidConfigException("vec_in_dim", p.vecInDim() + " must equal the connector's global_proj_out width "
                    + Qwen2ConnectorConfig.GLOBAL_PROJ_OUT_FEATURES);
        }
        if (p.contextInDim() != connector.hiddenSize()) {
            throw new InvalidConfigException("context_in_dim", p.contextInDim()
                    + " must equal the connector's hidden_size " + connector.hiddenSize());
        }
    }
}
