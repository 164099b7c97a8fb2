// Port of stepfun-ai/Step1X-Edit modules/layers.py @ 570eba6 (MLPEmbedder).
// Keys: in_layer.{weight,bias}, out_layer.{weight,bias}
package dev.step1x.engine.dit;

import ai.djl.ndarray.NDArray;
import dev.step1x.engine.nn.Activations;
import dev.step1x.engine.nn.Linear;
import dev.step1x.engine.nn.Params;

/** Linear → SiLU → Linear (time_in, vector_in). */
final class MLPEmbedder {

    private final Linear inLayer;
    private final Linear outLayer;

    MLPEmbedder(Params p, long inDim, long hiddenDim) {
        inLayer = new Linear(p.child("in_layer"), inDim, hiddenDim, true);
        outLayer = new Linear(p.child("out_layer"), hiddenDim, hiddenDim, true);
    }

    NDArray forward(NDArray x) {
        return outLayer.forward(Activations.silu(inLayer.forward(x)));
    }
}
