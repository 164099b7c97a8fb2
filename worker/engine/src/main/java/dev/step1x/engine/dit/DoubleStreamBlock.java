// Port of stepfun-ai/Step1X-Edit modules/layers.py @ 570eba6 (FLUX.1 layers).
// Keys (relative to double_blocks.{i}): {img,txt}_mod.lin.*, {img,txt}_attn.{qkv,norm,proj}.*, {img,txt}_mlp.{0,2}.*
package dev.step1x.engine.dit;

import dev.step1x.engine.weights.WeightSpec;

/** MMDiT block with separate img and txt weights and joint attention. */
final class DoubleStreamBlock {

    private DoubleStreamBlock() {}

    static void declare(WeightSpec.Builder b, Step1XParams p) {
        for (String stream : new String[] {"img", "txt"}) {
            Modulation.declare(b.child(stream + "_mod"), p.hiddenSize(), true);
            SelfAttention.declare(b.child(stream + "_attn"), p.hiddenSize(), p.numHeads(), p.qkvBias());
            // nn.Sequential(Linear, GELU(tanh), Linear): indices 0 and 2
            WeightSpec.Builder mlp = b.child(stream + "_mlp");
            mlp.linear("0", p.hiddenSize(), p.mlpHiddenDim(), true);
            mlp.linear("2", p.mlpHiddenDim(), p.hiddenSize(), true);
        }
    }
}
