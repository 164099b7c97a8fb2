// Port of stepfun-ai/Step1X-Edit modules/autoencoder.py @ 570eba6 (FLUX.1 autoencoder).
// Keys (relative to decoder): conv_in, mid.{block_1,attn_1,block_2}, up.{i}.block.{j}, up.{i}.upsample,
// norm_out, conv_out. up.{i} is indexed by resolution level (0 = full resolution) like encoder down.{i}.
package dev.step1x.engine.vae;

import dev.step1x.engine.weights.WeightSpec;
import java.util.List;

/** Latent -> image; {@code num_res_blocks + 1} ResNet blocks per level. */
final class Decoder {

    private Decoder() {}

    static void declare(WeightSpec.Builder b, AutoEncoderParams p) {
        List<Integer> mult = p.chMult();
        int levels = mult.size();
        long blockIn = (long) p.ch() * mult.get(levels - 1);
        b.conv2d("conv_in", p.zChannels(), blockIn, 3);
        Encoder.declareMid(b.child("mid"), blockIn);
        // Built from the lowest resolution up, but stored (and declared) by level index 0..levels-1;
        // the input width of level i is the output width of level i + 1 (or of mid for the last one).
        long[] levelIn = new long[levels];
        long width = blockIn;
        for (int level = levels - 1; level >= 0; level--) {
            levelIn[level] = width;
            width = (long) p.ch() * mult.get(level);
        }
        WeightSpec.Builder up = b.child("up");
        for (int level = 0; level < levels; level++) {
            WeightSpec.Builder lv = up.child(level);
            long in = levelIn[level];
            long out = (long) p.ch() * mult.get(level);
            WeightSpec.Builder blocks = lv.child("block");
            for (int j = 0; j < p.numResBlocks() + 1; j++) {
                ResnetBlock.declare(blocks.child(j), in, out);
                in = out;
            }
            if (level != 0) {
                Upsample.declare(lv.child("upsample"), out);
            }
        }
        long last = (long) p.ch() * mult.get(0);
        b.affineNorm("norm_out", last);
        b.conv2d("conv_out", last, p.outCh(), 3);
    }
}
