// Port of stepfun-ai/Step1X-Edit modules/autoencoder.py @ 570eba6 (FLUX.1 autoencoder).
// Keys (relative to decoder): conv_in, mid.{block_1,attn_1,block_2}, up.{i}.block.{j}, up.{i}.upsample,
// norm_out, conv_out. up.{i} is indexed by resolution level (0 = full resolution) like encoder down.{i}.
package dev.step1x.engine.vae;

import dev.step1x.engine.nn.Scoped;

import ai.djl.ndarray.NDArray;
import dev.step1x.engine.nn.Activations;
import dev.step1x.engine.nn.Conv2d;
import dev.step1x.engine.nn.GroupNorm;
import dev.step1x.engine.nn.Params;
import java.util.ArrayList;
import java.util.List;

/** Unscaled latent -> image (not clamped); {@code num_res_blocks + 1} ResNet blocks per level. */
final class Decoder {

    private final long zChannels;
    private final Conv2d convIn;
    private final Encoder.Mid mid;
    /** Indexed by resolution level (0 = full resolution); run from the last level down to 0. */
    private final List<List<ResnetBlock>> upBlocks = new ArrayList<>();
    /** upsamples.get(level) follows level {@code level}'s blocks; null for level 0. */
    private final List<Upsample> upsamples = new ArrayList<>();
    private final GroupNorm normOut;
    private final Conv2d convOut;

    Decoder(Params p, AutoEncoderParams cfg) {
        List<Integer> mult = cfg.chMult();
        int levels = mult.size();
        this.zChannels = cfg.zChannels();
        long blockIn = (long) cfg.ch() * mult.get(levels - 1);
        this.convIn = new Conv2d(p.child("conv_in"), cfg.zChannels(), blockIn, 3, 1, 1);
        this.mid = new Encoder.Mid(p.child("mid"), blockIn);
        // Run from the lowest resolution up, but stored (and constructed, for the checkpoint's key order) by
        // level index 0..levels-1; the input width of level i is the output width of level i + 1 (or of mid).
        long[] levelIn = new long[levels];
        long width = blockIn;
        for (int level = levels - 1; level >= 0; level--) {
            levelIn[level] = width;
            width = (long) cfg.ch() * mult.get(level);
        }
        Params up = p.child("up");
        for (int level = 0; level < levels; level++) {
            Params lv = up.child(level);
            long in = levelIn[level];
            long out = (long) cfg.ch() * mult.get(level);
            Params blocks = lv.child("block");
            List<ResnetBlock> levelBlocks = new ArrayList<>();
            for (int j = 0; j < cfg.numResBlocks() + 1; j++) {
                levelBlocks.add(new ResnetBlock(blocks.child(j), in, out));
                in = out;
            }
            upBlocks.add(levelBlocks);
            upsamples.add(level != 0 ? new Upsample(lv.child("upsample"), out) : null);
        }
        long last = (long) cfg.ch() * mult.get(0);
        this.normOut = AutoEncoder.groupNorm(p.child("norm_out"), last);
        this.convOut = new Conv2d(p.child("conv_out"), last, cfg.outCh(), 3, 1, 1);
    }

    /** z [B, z_channels, h, w] (already unscaled) -> image [B, out_ch, h*f, w*f]. */
    NDArray forward(NDArray z) {
        return Scoped.run(() -> {
            NDArray h = mid(convIn(z));
            return head(upLevels(h));
        });
    }

    NDArray convIn(NDArray z) {
        if (z.getShape().dimension() != 4 || z.getShape().get(1) != zChannels) {
            throw new IllegalArgumentException("the decoder expects [B, " + zChannels + ", h, w], got " + z.getShape());
        }
        return Scoped.run(() -> convIn.forward(z));
    }

    /** mid.block_1 -> mid.attn_1 -> mid.block_2. */
    NDArray mid(NDArray h) {
        return mid.forward(h);
    }

    /** The up levels from the lowest resolution to level 0, each followed by its upsample (but level 0). */
    NDArray upLevels(NDArray x) {
        return Scoped.run(() -> {
            NDArray h = null;
            for (int level = upBlocks.size() - 1; level >= 0; level--) {
                for (ResnetBlock block : upBlocks.get(level)) {
                    h = h == null ? block.forward(x) : Encoder.next(h, block.forward(h));
                }
                Upsample upsample = upsamples.get(level);
                if (upsample != null) {
                    h = Encoder.next(h, upsample.forward(h));
                }
            }
            return h;
        });
    }

    /** norm_out -> swish -> conv_out. */
    NDArray head(NDArray h) {
        return Scoped.run(() -> convOut.forward(Activations.silu(normOut.forward(h))));
    }
}
