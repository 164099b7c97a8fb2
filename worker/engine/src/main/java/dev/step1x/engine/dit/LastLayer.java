// Port of stepfun-ai/Step1X-Edit modules/layers.py @ 570eba6 (LastLayer).
// Keys: linear.{weight,bias}, adaLN_modulation.1.{weight,bias}
package dev.step1x.engine.dit;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import dev.step1x.engine.nn.Activations;
import dev.step1x.engine.nn.LayerNorm;
import dev.step1x.engine.nn.Linear;
import dev.step1x.engine.nn.Params;

/** Final adaLN (shift first, then scale) and projection to the latent channels. */
final class LastLayer {

    private final LayerNorm normFinal;
    private final Linear linear;
    private final Linear adaLN;

    LastLayer(Params p, long hiddenSize, long patchSize, long outChannels) {
        normFinal = new LayerNorm(hiddenSize, 1e-6f);
        linear = new Linear(p.child("linear"), hiddenSize, patchSize * patchSize * outChannels, true);
        // nn.Sequential(SiLU, Linear): index 1
        adaLN = new Linear(p.child("adaLN_modulation").child("1"), hiddenSize, 2 * hiddenSize, true);
    }

    /** x [B, L, H], vec [B, H] -> [B, L, out]. */
    NDArray forward(NDArray x, NDArray vec) {
        NDList shiftScale = adaLN.forward(Activations.silu(vec)).split(2, 1);
        NDArray shift = shiftScale.get(0).expandDims(1);
        NDArray scale = shiftScale.get(1).expandDims(1);
        return linear.forward(scale.add(1f).mul(normFinal.forward(x)).add(shift));
    }
}
