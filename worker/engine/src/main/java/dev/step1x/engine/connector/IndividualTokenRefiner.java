// Port of stepfun-ai/Step1X-Edit modules/connector_edit.py @ 570eba6 (HunyuanVideo token refiner).
// Keys (relative to individual_token_refiner): blocks.{i}.*
package dev.step1x.engine.connector;

import dev.step1x.engine.weights.WeightSpec;

/** The stack of {@code depth} refiner blocks, sharing one attention mask. */
final class IndividualTokenRefiner {

    private IndividualTokenRefiner() {}

    static void declare(WeightSpec.Builder b, Qwen2ConnectorConfig c) {
        WeightSpec.Builder blocks = b.child("blocks");
        for (int i = 0; i < c.depth(); i++) {
            IndividualTokenRefinerBlock.declare(blocks.child(i), c);
        }
    }
}
