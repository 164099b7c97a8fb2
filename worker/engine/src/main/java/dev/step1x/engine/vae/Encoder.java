// Port of stepfun-ai/Step1X-Edit modules/autoencoder.py @ 570eba6 (FLUX.1 autoencoder).
// Keys (relative to encoder): conv_in, down.{i}.block.{j}, down.{i}.downsample, mid.{block_1,attn_1,block_2},
// norm_out, conv_out
package dev.step1x.engine.vae;

import dev.step1x.engine.nn.Scoped;

import ai.djl.ndarray.NDArray;
import dev.step1x.engine.nn.Activations;
import dev.step1x.engine.nn.Conv2d;
import dev.step1x.engine.nn.GroupNorm;
import dev.step1x.engine.nn.Params;
import java.util.ArrayList;
import java.util.List;

/** Image -> moments of the latent: {@code 2 * z_channels} channels (mean, then logvar), 2^(levels-1)x smaller. */
final class Encoder {

    private final long inChannels;
    private final Conv2d convIn;
    private final List<List<ResnetBlock>> downBlocks = new ArrayList<>();
    private final List<Downsample> downsamples = new ArrayList<>();
    private final Mid mid;
    private final GroupNorm normOut;
    private final Conv2d convOut;

    Encoder(Params p, AutoEncoderParams cfg) {
        List<Integer> mult = cfg.chMult();
        this.inChannels = cfg.inChannels();
        this.convIn = new Conv2d(p.child("conv_in"), cfg.inChannels(), cfg.ch(), 3, 1, 1);
        long blockIn = cfg.ch();
        Params down = p.child("down");
        for (int level = 0; level < mult.size(); level++) {
            Params lv = down.child(level);
            long blockOut = (long) cfg.ch() * mult.get(level);
            Params blocks = lv.child("block");
            List<ResnetBlock> levelBlocks = new ArrayList<>();
            for (int j = 0; j < cfg.numResBlocks(); j++) {
                levelBlocks.add(new ResnetBlock(blocks.child(j), blockIn, blockOut));
                blockIn = blockOut;
            }
            downBlocks.add(levelBlocks);
            if (level != mult.size() - 1) {
                downsamples.add(new Downsample(lv.child("downsample"), blockIn));
            }
        }
        this.mid = new Mid(p.child("mid"), blockIn);
        this.normOut = AutoEncoder.groupNorm(p.child("norm_out"), blockIn);
        this.convOut = new Conv2d(p.child("conv_out"), blockIn, 2L * cfg.zChannels(), 3, 1, 1);
    }

    /** x [B, in_channels, H, W] -> moments [B, 2*z_channels, H/f, W/f]. */
    NDArray forward(NDArray x) {
        return Scoped.run(() -> head(features(x)));
    }

    /** conv_in, the down levels and mid: the output of {@code mid.block_2}. */
    NDArray features(NDArray x) {
        if (x.getShape().dimension() != 4 || x.getShape().get(1) != inChannels) {
            throw new IllegalArgumentException("the encoder expects [B, " + inChannels + ", H, W], got " + x.getShape());
        }
        return Scoped.run(() -> {
            NDArray h = convIn.forward(x);
            for (int level = 0; level < downBlocks.size(); level++) {
                for (ResnetBlock block : downBlocks.get(level)) {
                    h = next(h, block.forward(h));
                }
                if (level < downsamples.size()) {
                    h = next(h, downsamples.get(level).forward(h));
                }
            }
            return mid.forward(h);
        });
    }

    /** norm_out -> swish -> conv_out. */
    NDArray head(NDArray h) {
        return Scoped.run(() -> convOut.forward(Activations.silu(normOut.forward(h))));
    }

    /** Frees the previous activation as soon as the next one exists (both are the scope's own). */
    static NDArray next(NDArray previous, NDArray next) {
        previous.close();
        return next;
    }

    /** {@code mid}: ResnetBlock, AttnBlock, ResnetBlock at constant width (the decoder has the same). */
    static final class Mid {
        private final ResnetBlock block1;
        private final AttnBlock attn1;
        private final ResnetBlock block2;

        Mid(Params p, long channels) {
            this.block1 = new ResnetBlock(p.child("block_1"), channels, channels);
            this.attn1 = new AttnBlock(p.child("attn_1"), channels);
            this.block2 = new ResnetBlock(p.child("block_2"), channels, channels);
        }

        NDArray forward(NDArray x) {
            return Scoped.run(() -> block2.forward(attn1.forward(block1.forward(x))));
        }
    }
}
