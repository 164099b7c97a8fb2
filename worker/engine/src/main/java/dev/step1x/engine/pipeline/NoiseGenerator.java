package dev.step1x.engine.pipeline;

import java.util.SplittableRandom;

/**
 * Per-request initial noise from the request's own seed, independent of batch composition and
 * position: a {@link SplittableRandom} seeded with the request seed drives a Box–Muller transform in
 * double precision, rounded to float32, in NCHW order. It cannot reproduce CUDA's Philox stream (the
 * official script's {@code torch.randn(..., generator=cuda)}), so the same seed gives a different (but
 * equally distributed and reproducible) image than the official code.
 */
public final class NoiseGenerator {

    private NoiseGenerator() {}

    /** {@code count} standard normal float32 values for {@code seed}. */
    public static float[] standardNormal(long seed, int count) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] out = new float[count];
        for (int i = 0; i < count; i += 2) {
            // Box–Muller: two independent normals from two uniforms in (0, 1]
            double u1 = 1.0 - random.nextDouble();
            double u2 = random.nextDouble();
            double r = Math.sqrt(-2.0 * Math.log(u1));
            out[i] = (float) (r * Math.cos(2 * Math.PI * u2));
            if (i + 1 < count) {
                out[i + 1] = (float) (r * Math.sin(2 * Math.PI * u2));
            }
        }
        return out;
    }
}
