// Port of stepfun-ai/Step1X-Edit modules/connector_edit.py @ 570eba6 (HunyuanVideo token refiner).
// Keys (relative to mlp): fc1.*, fc2.*
package dev.step1x.engine.connector;

import dev.step1x.engine.nn.Scoped;

import ai.djl.ndarray.NDArray;
import dev.step1x.engine.nn.Activations;
import dev.step1x.engine.nn.Linear;
import dev.step1x.engine.nn.Params;

/** {@code fc1 -> SiLU -> fc2}, both with bias (no dropout, no norm: inference). */
final class MLP {

    private final Linear fc1;
    private final Linear fc2;

    MLP(Params p, long inFeatures, long hiddenFeatures) {
        this.fc1 = new Linear(p.child("fc1"), inFeatures, hiddenFeatures, true);
        this.fc2 = new Linear(p.child("fc2"), hiddenFeatures, inFeatures, true);
    }

    /** [..., in] -> [..., in]. */
    NDArray forward(NDArray x) {
        return Scoped.run(() -> fc2.forward(Activations.silu(fc1.forward(x))));
    }
}
