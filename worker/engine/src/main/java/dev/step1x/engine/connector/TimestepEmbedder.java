// Port of stepfun-ai/Step1X-Edit modules/connector_edit.py @ 570eba6 (HunyuanVideo token refiner).
// Keys (relative to t_embedder): mlp.0.*, mlp.2.*
package dev.step1x.engine.connector;

import dev.step1x.engine.weights.WeightSpec;

/** Sinusoid of width 256, then {@code Linear -> SiLU -> Linear} (nn.Sequential indices 0 and 2). */
final class TimestepEmbedder {

    private TimestepEmbedder() {}

    static void declare(WeightSpec.Builder b, long hiddenSize) {
        WeightSpec.Builder mlp = b.child("mlp");
        mlp.linear("0", Qwen2ConnectorConfig.FREQUENCY_EMBEDDING_SIZE, hiddenSize, true);
        mlp.linear("2", hiddenSize, hiddenSize, true);
    }
}
