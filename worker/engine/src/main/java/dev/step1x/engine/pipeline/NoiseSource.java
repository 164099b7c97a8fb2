package dev.step1x.engine.pipeline;

/**
 * The two random draws of an edit, in the official order: the VAE posterior's eps (the reference is
 * encoded with a posterior SAMPLE), then the initial latent noise. Production uses {@link #SEEDED}; a
 * parity check injects the official draws of a golden case through this seam, so that the same pipeline
 * code computes everything else.
 */
@FunctionalInterface
interface NoiseSource {

    enum Draw { POSTERIOR_EPS, INITIAL_NOISE }

    /** Mixes the request seed for the reference posterior's noise, so it differs from the initial noise. */
    long POSTERIOR_SEED_MIX = 0x9E3779B97F4A7C15L;

    /** {@link NoiseGenerator} from the request's seed (the posterior eps from the seed mixed with {@link #POSTERIOR_SEED_MIX}). */
    NoiseSource SEEDED = (draw, request, count) -> NoiseGenerator.standardNormal(
            draw == Draw.POSTERIOR_EPS ? request.seed() ^ POSTERIOR_SEED_MIX : request.seed(), count);

    /**
     * @param count values, NCHW [1, C, h, w] of the request's latents
     * @return {@code count} standard normal float32 values for {@code request}
     */
    float[] draw(Draw draw, EditInput request, int count);
}
