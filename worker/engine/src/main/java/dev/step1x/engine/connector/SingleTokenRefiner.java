// Port of stepfun-ai/Step1X-Edit modules/connector_edit.py @ 570eba6 (HunyuanVideo token refiner).
// Keys (relative to connector.S): input_embedder.*, t_embedder.mlp.{0,2}.*, c_embedder.linear_{1,2}.*,
// individual_token_refiner.blocks.{i}.*
package dev.step1x.engine.connector;

import dev.step1x.engine.nn.Scoped;

import ai.djl.ndarray.NDArray;
import dev.step1x.engine.nn.Linear;
import dev.step1x.engine.nn.Params;

/**
 * Input projection, timestep + pooled-text conditioning, and the refiner block stack:
 * {@code c = t_embedder(t) + c_embedder(masked mean of x)}, {@code out = refiner(input_embedder(x), c, mask)}.
 */
final class SingleTokenRefiner {

    private final Linear inputEmbedder;
    private final TimestepEmbedder tEmbedder;
    private final TextProjection cEmbedder;
    private final IndividualTokenRefiner individualTokenRefiner;

    SingleTokenRefiner(Params p, Qwen2ConnectorConfig c) {
        this.inputEmbedder = new Linear(p.child("input_embedder"), c.inChannels(), c.hiddenSize(), true);
        this.tEmbedder = new TimestepEmbedder(p.child("t_embedder"), c.hiddenSize());
        this.cEmbedder = new TextProjection(p.child("c_embedder"), c.inChannels(), c.hiddenSize());
        this.individualTokenRefiner = new IndividualTokenRefiner(p.child("individual_token_refiner"), c);
    }

    /**
     * @param x [B, L, in_channels]
     * @param t [B], already multiplied by 1000
     * @param mask [B, L] 0/1
     * @return [B, L, hidden]
     */
    NDArray forward(NDArray x, NDArray t, NDArray mask) {
        return Scoped.run(() -> {
            NDArray pooled = Qwen2Connector.maskedMean(x, mask).toType(x.getDataType(), false);
            return forward(x, t, mask, pooled);
        });
    }

    /** As {@link #forward(NDArray, NDArray, NDArray)} with the (unscaled) masked mean already computed. */
    NDArray forward(NDArray x, NDArray t, NDArray mask, NDArray pooled) {
        return Scoped.run(() -> {
            NDArray c = conditioning(t, pooled, x);
            return individualTokenRefiner.forward(inputEmbedder.forward(x), c, mask);
        });
    }

    /** {@code t_embedder(t) + c_embedder(pooled)}: [B, hidden]. */
    NDArray conditioning(NDArray t, NDArray pooled, NDArray like) {
        return Scoped.run(() -> tEmbedder.forward(t, like.getDataType()).add(cEmbedder.forward(pooled)));
    }

    Linear inputEmbedder() {
        return inputEmbedder;
    }

    TimestepEmbedder tEmbedder() {
        return tEmbedder;
    }

    TextProjection cEmbedder() {
        return cEmbedder;
    }

    IndividualTokenRefiner individualTokenRefiner() {
        return individualTokenRefiner;
    }
}
