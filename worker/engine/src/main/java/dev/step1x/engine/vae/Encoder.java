// Port of stepfun-ai/Step1X-Edit modules/autoencoder.py @ 570eba6 (FLUX.1 autoencoder).
// Keys (relative to encoder): conv_in, down.{i}.block.{j}, down.{i}.downsample, mid.{block_1,attn_1,block_2},
// norm_out, conv_out
package dev.step1x.engine.vae;

import dev.step1x.engine.weights.WeightSpec;
import java.util.List;

/** Image -> (mean, logvar) of the latent; {@code 2 * z_channels} outputs. */
final class Encoder {

    private Encoder() {}

    static void declare(WeightSpec.Builder b, AutoEncoderParams p) {
        List<Integer> mult = p.chMult();
        b.conv2d("conv_in", p.inChannels(), p.ch(), 3);
        long blockIn = p.ch();
        WeightSpec.Builder down = b.child("down");
        for (int level = 0; level < mult.size(); level++) {
            WeightSpec.Builder lv = down.child(level);
            long blockOut = (long) p.ch() * mult.get(level);
            WeightSpec.Builder blocks = lv.child("block");
            for (int j = 0; j < p.numResBlocks(); j++) {
                ResnetBlock.declare(blocks.child(j), blockIn, blockOut);
                blockIn = blockOut;
            }
            if (level != mult.size() - 1) {
                Downsample.declare(lv.child("downsample"), blockIn);
            }
        }
        declareMid(b.child("mid"), blockIn);
        b.affineNorm("norm_out", blockIn);
        b.conv2d("conv_out", blockIn, 2L * p.zChannels(), 3);
    }

    /** {@code mid}: ResnetBlock, AttnBlock, ResnetBlock at constant width (shared with the decoder). */
    static void declareMid(WeightSpec.Builder mid, long channels) {
        ResnetBlock.declare(mid.child("block_1"), channels, channels);
        AttnBlock.declare(mid.child("attn_1"), channels);
        ResnetBlock.declare(mid.child("block_2"), channels, channels);
    }
}
