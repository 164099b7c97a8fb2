// Port of stepfun-ai/Step1X-Edit modules/connector_edit.py @ 570eba6 (HunyuanVideo token refiner).
// Keys (relative to mlp): fc1.*, fc2.*
package dev.step1x.engine.connector;

import dev.step1x.engine.weights.WeightSpec;

/** {@code fc1 -> SiLU -> fc2}, both with bias. */
final class MLP {

    private MLP() {}

    static void declare(WeightSpec.Builder b, long inFeatures, long hiddenFeatures) {
        b.linear("fc1", inFeatures, hiddenFeatures, true);
        b.linear("fc2", hiddenFeatures, inFeatures, true);
    }
}
