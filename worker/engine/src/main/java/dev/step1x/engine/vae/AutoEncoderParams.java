package dev.step1x.engine.vae;

import com.google.gson.annotations.SerializedName;
import dev.step1x.engine.ConfigJson;
import dev.step1x.engine.InvalidConfigException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Hyper-parameters of the FLUX.1 autoencoder used by Step1X-Edit, with the field names of the upstream
 * {@code AutoEncoderParams} (stepfun-ai/Step1X-Edit {@code modules/autoencoder.py}).
 *
 * @param resolution {@code resolution}: unused by the network, kept for completeness
 * @param inChannels {@code in_channels}: image channels in
 * @param ch {@code ch}: base width; every level's width is {@code ch * ch_mult[i]}
 * @param outCh {@code out_ch}: image channels out
 * @param chMult {@code ch_mult}: width multiplier per resolution level (one level per entry)
 * @param numResBlocks {@code num_res_blocks}: ResNet blocks per encoder level (the decoder has one more)
 * @param zChannels {@code z_channels}: latent channels
 * @param scaleFactor {@code scale_factor}: {@code z = scale_factor * (z - shift_factor)} after encoding
 * @param shiftFactor {@code shift_factor}
 */
public record AutoEncoderParams(
        @SerializedName("resolution") int resolution,
        @SerializedName("in_channels") int inChannels,
        @SerializedName("ch") int ch,
        @SerializedName("out_ch") int outCh,
        @SerializedName("ch_mult") List<Integer> chMult,
        @SerializedName("num_res_blocks") int numResBlocks,
        @SerializedName("z_channels") int zChannels,
        @SerializedName("scale_factor") double scaleFactor,
        @SerializedName("shift_factor") double shiftFactor) {

    /** Every GroupNorm in the autoencoder has 32 groups (hard-coded upstream). */
    public static final int GROUP_NORM_GROUPS = 32;
    /** GroupNorm eps (hard-coded upstream). */
    public static final double GROUP_NORM_EPS = 1e-6;

    public AutoEncoderParams {
        ConfigJson.positive("resolution", resolution);
        ConfigJson.positive("in_channels", inChannels);
        ConfigJson.positive("ch", ch);
        ConfigJson.positive("out_ch", outCh);
        ConfigJson.positive("num_res_blocks", numResBlocks);
        ConfigJson.positive("z_channels", zChannels);
        ConfigJson.positive("scale_factor", scaleFactor);
        ConfigJson.finite("shift_factor", shiftFactor);
        chMult = ConfigJson.positiveList("ch_mult", chMult, -1);
        // Every GroupNorm input width is ch times some multiplier.
        if (ch % GROUP_NORM_GROUPS != 0) {
            throw new InvalidConfigException("ch",
                    ch + " is not divisible by " + GROUP_NORM_GROUPS + " (the autoencoder's GroupNorm groups)");
        }
    }

    /** The FLUX.1 AE shipped as Step1X-Edit's {@code vae.safetensors}. */
    public static AutoEncoderParams official() {
        return new AutoEncoderParams(256, 3, 128, 3, List.of(1, 2, 4, 4), 2, 16, 0.3611, 0.1159);
    }

    /** Reads the parameters from a JSON file with the upstream field names at the top level. */
    public static AutoEncoderParams fromJson(Path file) throws IOException {
        return ConfigJson.read(ConfigJson.readObject(file), AutoEncoderParams.class, "", file.toString());
    }

    /** As {@link #fromJson(Path)}, from JSON text. */
    public static AutoEncoderParams fromJson(String json) {
        return ConfigJson.read(ConfigJson.parseObject(json, "AutoEncoderParams JSON"), AutoEncoderParams.class, "", null);
    }

    /** Spatial down-sampling factor, {@code 2^(len(ch_mult) - 1)}. */
    public int downsampleFactor() {
        return 1 << (chMult.size() - 1);
    }
}
