// Port of stepfun-ai/Step1X-Edit modules/connector_edit.py @ 570eba6 (HunyuanVideo token refiner).
// Keys (relative to connector.S): input_embedder.*, t_embedder.mlp.{0,2}.*, c_embedder.linear_{1,2}.*,
// individual_token_refiner.blocks.{i}.*
package dev.step1x.engine.connector;

import dev.step1x.engine.weights.WeightSpec;

/** Input projection, timestep + pooled-text conditioning, and the refiner block stack. */
final class SingleTokenRefiner {

    private SingleTokenRefiner() {}

    static void declare(WeightSpec.Builder b, Qwen2ConnectorConfig c) {
        b.linear("input_embedder", c.inChannels(), c.hiddenSize(), true);
        TimestepEmbedder.declare(b.child("t_embedder"), c.hiddenSize());
        TextProjection.declare(b.child("c_embedder"), c.inChannels(), c.hiddenSize());
        IndividualTokenRefiner.declare(b.child("individual_token_refiner"), c);
    }
}
