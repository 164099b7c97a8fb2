// Port of huggingface/transformers models/qwen2_5_vl/modeling_qwen2_5_vl.py @ 00b676f (Qwen2_5_VLMLP,
// the vision blocks' MLP; named "Vision" here to keep it apart from the text decoder's MLP).
// Keys (relative to visual.blocks.{j}.mlp): {gate,up,down}_proj.{weight,bias}
package dev.step1x.engine.mllm.qwen25vl;

import ai.djl.ndarray.NDArray;
import dev.step1x.engine.nn.Activations;
import dev.step1x.engine.nn.Linear;
import dev.step1x.engine.nn.Params;

/** SwiGLU with biases: {@code down(silu(gate(x)) · up(x))}. */
public final class Qwen25VLVisionMLP {

    private final Linear gate;
    private final Linear up;
    private final Linear down;

    public Qwen25VLVisionMLP(Params p, Qwen25VLConfig.VisionConfig cfg) {
        String act = cfg.hiddenAct();
        if (!act.equals("silu") && !act.equals("swish")) {
            throw new IllegalArgumentException("vision_config.hidden_act '" + act + "' is not supported (expected silu)");
        }
        long h = cfg.hiddenSize();
        long inter = cfg.intermediateSize();
        gate = new Linear(p.child("gate_proj"), h, inter, true);
        up = new Linear(p.child("up_proj"), h, inter, true);
        down = new Linear(p.child("down_proj"), inter, h, true);
    }

    public NDArray forward(NDArray x) {
        return down.forward(Activations.silu(gate.forward(x)).mul(up.forward(x)));
    }
}
