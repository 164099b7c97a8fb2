// Port of stepfun-ai/Step1X-Edit modules/autoencoder.py @ 570eba6 (FLUX.1 autoencoder).
// Keys: encoder.*, decoder.* (no quant_conv / post_quant_conv)
package dev.step1x.engine.vae;

import dev.step1x.engine.nn.Scoped;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import dev.step1x.engine.nn.GroupNorm;
import dev.step1x.engine.nn.LoadedParams;
import dev.step1x.engine.nn.Params;
import dev.step1x.engine.weights.Checkpoint;
import dev.step1x.engine.weights.StrictLoader;
import dev.step1x.engine.weights.WeightSpec;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

/**
 * The FLUX.1 autoencoder: images in [-1, 1] (NCHW float32) to {@code z_channels} latents 8x smaller
 * (for the official {@code ch_mult}), normalised as {@code scale_factor * (z - shift_factor)}, and back.
 *
 * <p>Outputs are attached to the input's manager; every intermediate is freed before a call returns.
 * Any H and W divisible by {@link AutoEncoderParams#downsampleFactor()} round-trips to the same size.
 */
public final class AutoEncoder implements AutoCloseable {

    private final AutoEncoderParams params;
    private final Encoder encoder;
    private final Decoder decoder;
    /** The weights' manager when this instance loaded them itself, else null. */
    private final NDManager owned;

    /** Builds the module tree on {@code p} (a {@link WeightSpec.Builder} only records the keys). */
    public AutoEncoder(Params p, AutoEncoderParams params) {
        this(p, params, null);
    }

    private AutoEncoder(Params p, AutoEncoderParams params, NDManager owned) {
        this.params = params;
        this.encoder = new Encoder(p.child("encoder"), params);
        this.decoder = new Decoder(p.child("decoder"), params);
        this.owned = owned;
    }

    /** Every tensor of {@code vae.safetensors}, with its exact shape, in module order (from the constructors). */
    public static WeightSpec weightSpec(AutoEncoderParams params) {
        WeightSpec.Builder b = WeightSpec.builder();
        new AutoEncoder(b, params);
        return b.build();
    }

    /**
     * Loads {@code vae.safetensors} strictly (every key, exact shapes, nothing unused) as float32 (BF16
     * files are widened) into a sub-manager of {@code manager}, freed by {@link #close()} or with the manager.
     */
    public static AutoEncoder load(NDManager manager, Path vaeSafetensors, AutoEncoderParams params) throws IOException {
        WeightSpec spec = weightSpec(params);
        NDManager weights = manager.newSubManager();
        try (Checkpoint checkpoint = Checkpoint.open(vaeSafetensors)) {
            Map<String, NDArray> tensors = StrictLoader.loadAll(weights, spec, checkpoint, DataType.FLOAT32, Set.of());
            // Weights outlive any NDScope the caller may have open.
            tensors.values().forEach(NDScope::unregister);
            return new AutoEncoder(new LoadedParams(tensors), params, weights);
        } catch (IOException | RuntimeException e) {
            weights.close();
            throw e;
        }
    }

    public AutoEncoderParams params() {
        return params;
    }

    /** The raw encoder output (moments) [B, 2*z_channels, H/f, W/f] of an image [B, in_channels, H, W] in [-1, 1]. */
    public NDArray moments(NDArray image) {
        return encoder.forward(image);
    }

    /** The posterior (mean and logvar, not normalised) of an image in [-1, 1]. */
    public DiagonalGaussian posterior(NDArray image) {
        NDArray moments = moments(image);
        DiagonalGaussian posterior = DiagonalGaussian.fromMoments(moments);
        moments.close(); // mean and logvar are views: the storage lives on with them
        return posterior;
    }

    /** Normalised latents of the posterior MODE: {@code scale_factor * (mean - shift_factor)}. */
    public NDArray encode(NDArray image) {
        return Scoped.run(() -> normalize(DiagonalGaussian.fromMoments(moments(image)).mode()));
    }

    /**
     * Normalised latents of a posterior SAMPLE, as the official {@code encode()} (DiagonalGaussian(sample=True))
     * computes them: {@code scale_factor * ((mean + exp(0.5 * logvar) * eps) - shift_factor)}.
     *
     * @param eps standard-normal noise shaped like the latents [B, z_channels, H/f, W/f]
     */
    public NDArray encodeSample(NDArray image, NDArray eps) {
        return Scoped.run(() -> sampleLatents(moments(image), eps));
    }

    /**
     * The second half of {@link #encodeSample}: normalised latents of a posterior sample from the encoder's
     * moments [B, 2*z_channels, h, w], {@code scale_factor * ((mean + exp(0.5 * logvar) * eps) - shift_factor)}.
     */
    public NDArray sampleLatents(NDArray moments, NDArray eps) {
        return Scoped.run(() -> normalize(DiagonalGaussian.fromMoments(moments).sample(eps)));
    }

    /** {@code scale_factor * (z - shift_factor)}: raw posterior latents to the DiT's latent space (new array). */
    public NDArray normalize(NDArray z) {
        return Scoped.run(() -> z.sub((float) params.shiftFactor()).mul((float) params.scaleFactor()));
    }

    /** {@code latents / scale_factor + shift_factor}: the inverse of {@link #normalize} (new array). */
    public NDArray denormalize(NDArray latents) {
        return Scoped.run(() -> latents.div((float) params.scaleFactor()).add((float) params.shiftFactor()));
    }

    /** Normalised latents [B, z_channels, h, w] -> image [B, out_ch, h*f, w*f], NOT clamped. */
    public NDArray decode(NDArray latents) {
        return Scoped.run(() -> decoder.forward(denormalize(latents)));
    }

    Encoder encoder() {
        return encoder;
    }

    Decoder decoder() {
        return decoder;
    }

    /** Frees the weights if {@link #load} loaded them; a tree built on caller-owned params owns nothing. */
    @Override
    public void close() {
        if (owned != null) {
            owned.close();
        }
    }

    /** Every autoencoder GroupNorm: 32 groups, eps 1e-6, affine. */
    static GroupNorm groupNorm(Params p, long channels) {
        return new GroupNorm(p, AutoEncoderParams.GROUP_NORM_GROUPS, channels, (float) AutoEncoderParams.GROUP_NORM_EPS);
    }
}
