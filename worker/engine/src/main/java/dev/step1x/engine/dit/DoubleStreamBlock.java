// Port of stepfun-ai/Step1X-Edit modules/layers.py @ 570eba6 (DoubleStreamBlock).
// Keys (relative to double_blocks.{i}): {img,txt}_mod.lin.*, {img,txt}_attn.{qkv,norm,proj}.*, {img,txt}_mlp.{0,2}.*
package dev.step1x.engine.dit;

import dev.step1x.engine.nn.Precision;
import ai.djl.ndarray.NDArray;
import dev.step1x.engine.nn.Activations;
import dev.step1x.engine.nn.LayerNorm;
import dev.step1x.engine.nn.Linear;
import dev.step1x.engine.nn.Params;
import dev.step1x.engine.nn.Scoped;

/** MMDiT block: separate img and txt weights, one joint attention over cat(txt, img). */
final class DoubleStreamBlock {

    /** The weights of one stream (img or txt). */
    private static final class Stream {
        final Modulation mod;
        final SelfAttention attn;
        final Linear mlp0;
        final Linear mlp2;

        Stream(Params p, String name, Step1XParams c) {
            mod = new Modulation(p.child(name + "_mod"), c.hiddenSize(), true);
            attn = new SelfAttention(p.child(name + "_attn"), c.hiddenSize(), c.numHeads(), c.qkvBias());
            // nn.Sequential(Linear, GELU(tanh), Linear): indices 0 and 2
            Params mlp = p.child(name + "_mlp");
            mlp0 = new Linear(mlp.child("0"), c.hiddenSize(), c.mlpHiddenDim(), true);
            mlp2 = new Linear(mlp.child("2"), c.mlpHiddenDim(), c.hiddenSize(), true);
        }

        NDArray mlp(NDArray x) {
            return mlp2.forward(Activations.geluTanh(mlp0.forward(x)));
        }
    }

    private final Stream img;
    private final Stream txt;
    private final LayerNorm norm;

    DoubleStreamBlock(Params p, Step1XParams c) {
        img = new Stream(p, "img", c);
        txt = new Stream(p, "txt", c);
        norm = new LayerNorm(c.hiddenSize(), 1e-6f);
    }

    /** img [B, Li, H], txt [B, Lt, H], vec [B, H] -> new {img, txt}; the block's intermediates are freed. */
    NDArray[] forward(NDArray imgX, NDArray txtX, NDArray vec, EmbedND.Rope pe, int queryChunk) {
        return Scoped.runAll(() -> compute(imgX, txtX, vec, pe, queryChunk));
    }

    private NDArray[] compute(NDArray imgX, NDArray txtX, NDArray vec, EmbedND.Rope pe, int queryChunk) {
        Modulation.Out[] imgMod = img.mod.forward(vec);
        Modulation.Out[] txtMod = txt.mod.forward(vec);

        NDArray[] iqkv = img.attn.qkv(imgMod[0].modulate(norm.forward(imgX)));
        NDArray[] tqkv = txt.attn.qkv(txtMod[0].modulate(norm.forward(txtX)));
        // joint attention over cat(txt, img) on the token axis of [B, H, L, D]
        NDArray q = tqkv[0].concat(iqkv[0], 2);
        NDArray k = tqkv[1].concat(iqkv[1], 2);
        NDArray v = tqkv[2].concat(iqkv[2], 2);
        NDArray attn = SelfAttention.attention(q, k, v, pe, queryChunk);
        long lt = txtX.getShape().get(1);
        NDArray txtAttn = attn.get(":, :{}", lt);
        NDArray imgAttn = attn.get(":, {}:", lt);

        NDArray imgOut = imgX.add(imgMod[0].gate().mul(img.attn.proj.forward(imgAttn)));
        imgOut = imgOut.add(imgMod[1].gate().mul(img.mlp(imgMod[1].modulate(norm.forward(imgOut)))));
        NDArray txtOut = txtX.add(txtMod[0].gate().mul(txt.attn.proj.forward(txtAttn)));
        txtOut = txtOut.add(txtMod[1].gate().mul(txt.mlp(txtMod[1].modulate(norm.forward(txtOut)))));
        // float16: clamp the residual streams (see Precision)
        return new NDArray[] {Precision.clampResidual(imgOut), Precision.clampResidual(txtOut)};
    }
}
