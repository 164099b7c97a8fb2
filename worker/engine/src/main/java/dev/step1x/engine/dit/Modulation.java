// Port of stepfun-ai/Step1X-Edit modules/layers.py @ 570eba6 (Modulation, ModulationOut).
// Keys: lin.{weight,bias}
package dev.step1x.engine.dit;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import dev.step1x.engine.nn.Activations;
import dev.step1x.engine.nn.Linear;
import dev.step1x.engine.nn.Params;

/** {@code Linear(silu(vec))} split into (shift, scale, gate) triples: two for a double block, one for a single. */
final class Modulation {

    /** One (shift, scale, gate) triple, each [B, 1, dim]. */
    record Out(NDArray shift, NDArray scale, NDArray gate) {
        /** {@code (1 + scale)·x + shift}. */
        NDArray modulate(NDArray x) {
            return scale.add(1f).mul(x).add(shift);
        }
    }

    private final Linear lin;
    private final int multiplier;

    Modulation(Params p, long dim, boolean isDouble) {
        this.multiplier = isDouble ? 6 : 3;
        this.lin = new Linear(p.child("lin"), dim, multiplier * dim, true);
    }

    /** vec [B, dim] -> 1 or 2 triples in the order shift, scale, gate. */
    Out[] forward(NDArray vec) {
        // [B, k·dim] -> [B, 1, k·dim] -> k chunks of [B, 1, dim]
        NDList chunks = lin.forward(Activations.silu(vec)).expandDims(1).split(multiplier, 2);
        Out first = new Out(chunks.get(0), chunks.get(1), chunks.get(2));
        if (multiplier == 3) {
            return new Out[] {first};
        }
        return new Out[] {first, new Out(chunks.get(3), chunks.get(4), chunks.get(5))};
    }
}
