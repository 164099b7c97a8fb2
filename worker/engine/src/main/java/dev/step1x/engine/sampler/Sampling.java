// Port of stepfun-ai/Step1X-Edit sampling.py @ 570eba6 (get_schedule, time_shift, get_lin_function).
package dev.step1x.engine.sampler;

/**
 * The shifted flow-matching schedule, in float32 exactly as libtorch computes it: {@code linspace(1, 0,
 * steps + 1)} (torch's two-sided linspace), then {@code t' = e^μ / (e^μ + (1/t − 1))} with μ on the line
 * through (256, 0.5) and (4096, 1.15) at the target token count. Python's {@code scalar / tensor} is
 * {@code reciprocal(tensor) · scalar}, so that is what is computed.
 */
public final class Sampling {

    public static final double BASE_SHIFT = 0.5;
    public static final double MAX_SHIFT = 1.15;

    private Sampling() {}

    /**
     * @param numSteps number of denoising steps (≥ 1)
     * @param imageSeqLen target tokens after 2×2 packing, (h/16)·(w/16)
     * @return numSteps + 1 float32 values from 1 to 0, as doubles (the official code's Python floats)
     */
    public static double[] schedule(int numSteps, long imageSeqLen) {
        if (numSteps < 1) {
            throw new IllegalArgumentException("num_steps must be >= 1, got " + numSteps);
        }
        float[] t = linspace(1f, 0f, numSteps + 1);
        double mu = linFunction(256, BASE_SHIFT, 4096, MAX_SHIFT, imageSeqLen);
        float expMu = (float) Math.exp(mu);
        double[] out = new double[t.length];
        for (int i = 0; i < t.length; i++) {
            float r = (1f / t[i]) * 1f - 1f; // (1 / t - 1) ** 1.0; t = 0 gives +inf
            float denom = expMu + r;
            out[i] = (1f / denom) * expMu; // e^mu / denom; +inf gives 0
        }
        return out;
    }

    /** μ = m·x + b for the line through (x1, y1) and (x2, y2), in doubles like Python. */
    static double linFunction(double x1, double y1, double x2, double y2, double x) {
        double m = (y2 - y1) / (x2 - x1);
        double b = y1 - m * x1;
        return m * x + b;
    }

    /** torch.linspace in float32: the first half counts up from start, the second half down from end. */
    static float[] linspace(float start, float end, int steps) {
        float[] out = new float[steps];
        if (steps == 1) {
            out[0] = start;
            return out;
        }
        float step = (end - start) / (steps - 1);
        int halfway = steps / 2;
        for (int i = 0; i < steps; i++) {
            out[i] = i < halfway ? start + step * i : end - step * (steps - i - 1);
        }
        return out;
    }
}
