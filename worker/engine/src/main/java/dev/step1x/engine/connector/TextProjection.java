// Port of stepfun-ai/Step1X-Edit modules/connector_edit.py @ 570eba6 (HunyuanVideo token refiner).
// Keys (relative to c_embedder): linear_1.*, linear_2.*
package dev.step1x.engine.connector;

import dev.step1x.engine.nn.Scoped;

import ai.djl.ndarray.NDArray;
import dev.step1x.engine.nn.Activations;
import dev.step1x.engine.nn.Linear;
import dev.step1x.engine.nn.Params;

/** Projects the pooled (masked-mean) MLLM state: {@code Linear -> SiLU -> Linear}. */
final class TextProjection {

    private final Linear linear1;
    private final Linear linear2;

    TextProjection(Params p, long inChannels, long hiddenSize) {
        this.linear1 = new Linear(p.child("linear_1"), inChannels, hiddenSize, true);
        this.linear2 = new Linear(p.child("linear_2"), hiddenSize, hiddenSize, true);
    }

    /** [B, in_channels] -> [B, hidden]. */
    NDArray forward(NDArray pooled) {
        return Scoped.run(() -> linear2.forward(Activations.silu(linear1.forward(pooled))));
    }
}
