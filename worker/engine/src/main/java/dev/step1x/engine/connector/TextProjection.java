// Port of stepfun-ai/Step1X-Edit modules/connector_edit.py @ 570eba6 (HunyuanVideo token refiner).
// Keys (relative to c_embedder): linear_1.*, linear_2.*
package dev.step1x.engine.connector;

import dev.step1x.engine.weights.WeightSpec;

/** Projects the pooled (masked-mean) MLLM state: {@code Linear -> SiLU -> Linear}. */
final class TextProjection {

    private TextProjection() {}

    static void declare(WeightSpec.Builder b, long inChannels, long hiddenSize) {
        b.linear("linear_1", inChannels, hiddenSize, true);
        b.linear("linear_2", hiddenSize, hiddenSize, true);
    }
}
