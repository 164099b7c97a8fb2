// Port of stepfun-ai/Step1X-Edit modules/connector_edit.py @ 570eba6 (HunyuanVideo token refiner).
// Keys (relative to t_embedder): mlp.0.*, mlp.2.*
package dev.step1x.engine.connector;

import dev.step1x.engine.nn.Scoped;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import dev.step1x.engine.nn.Activations;
import dev.step1x.engine.nn.Linear;
import dev.step1x.engine.nn.Params;
import dev.step1x.engine.nn.Timesteps;

/** Sinusoid of width 256, then {@code Linear -> SiLU -> Linear} (nn.Sequential indices 0 and 2). */
final class TimestepEmbedder {

    private final Linear mlp0;
    private final Linear mlp2;

    TimestepEmbedder(Params p, long hiddenSize) {
        Params mlp = p.child("mlp");
        this.mlp0 = new Linear(mlp.child(0), Qwen2ConnectorConfig.FREQUENCY_EMBEDDING_SIZE, hiddenSize, true);
        this.mlp2 = new Linear(mlp.child(2), hiddenSize, hiddenSize, true);
    }

    /**
     * @param t [B], already on the embedder's scale (the connector passes 1000·t)
     * @param type the compute type of the linears
     * @return [B, hidden]
     */
    NDArray forward(NDArray t, DataType type) {
        return Scoped.run(() -> {
            NDArray freq = Timesteps.sinusoidal(t, Qwen2ConnectorConfig.FREQUENCY_EMBEDDING_SIZE,
                    Qwen2ConnectorConfig.MAX_PERIOD).toType(type, false);
            return mlp2.forward(Activations.silu(mlp0.forward(freq)));
        });
    }
}
