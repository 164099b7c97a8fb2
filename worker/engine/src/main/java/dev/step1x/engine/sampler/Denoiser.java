// Port of stepfun-ai/Step1X-Edit inference.py @ 570eba6 / 95feaea (ImageGenerator.denoise, process_diff_norm).
package dev.step1x.engine.sampler;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDManager;
import dev.step1x.engine.nn.Scoped;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.step1x.engine.ModelVersion;
import dev.step1x.engine.Tap;

/**
 * Classifier-free-guided Euler integration of the flow from noise (t = 1) to the image (t = 0).
 *
 * <p>Batch layout as the official code builds it, generalised to N requests: rows [0, N) are the
 * conditional (edit prompt) rows, rows [N, 2N) the unconditional (negative prompt) rows of the same
 * requests; each row's sequence is [target tokens | reference tokens]. Guidance may differ per request.
 * Only the target half is integrated; the reference half is restored unchanged every step.
 *
 * <p>v1.1 clips the guided difference for {@code t > 0.93} (compared in double like Python):
 * {@code v = uncond + g·(cond − uncond)/f(‖cond − uncond‖)} with the norm over the channels of each
 * token and {@code f(n) = n^0.4 if n > 1, 1 if n < 1, n if n == 1}; otherwise, and always in v1.0
 * (whose truncation threshold 1.0 is never exceeded), {@code v = uncond + g·(cond − uncond)}.
 */
public final class Denoiser {

    /** v1.1's timesteps_truncate; v1.0 passes 1.0, which t never exceeds. */
    public static final double V11_TRUNCATE = 0.93;
    public static final float DIFF_NORM_K = 0.4f;

    /** The DiT, or a stand-in: velocity for every token of every row. */
    @FunctionalInterface
    public interface VelocityModel {
        /**
         * @param img [2N, 2T, C] (cond rows, then uncond rows; target then reference tokens)
         * @param tVec [2N] the current t
         * @return [2N, 2T, C]
         */
        NDArray predict(NDArray img, NDArray tVec, int step);
    }

    private Denoiser() {}

    /**
     * @param target [N, T, C] initial (noise) target tokens
     * @param reference [N, T, C] packed reference latents
     * @param timesteps the schedule, from 1 down to 0
     * @param guidance per request, length N
     * @param tap shown (request {@link Tap#BATCH}) per step i {@code step<i>.x_target} (the target tokens entering
     *     the step), {@code step<i>.img_in} (the DiT input), {@code step<i>.t_vec}, {@code step<i>.pred},
     *     {@code step<i>.v_cfg} (and v1.1's {@code step<i>.diff_norm}, {@code step<i>.norm_divisor} while
     *     clipping) and {@code step<i>.latents} (the target tokens after the step): the golden sets'
     *     {@code mid.step<i>.*} tensors; {@link Tap#NONE} in production
     * @return [N, T, C] target tokens after the last step
     */
    public static NDArray denoise(NDArray target, NDArray reference, double[] timesteps, float[] guidance,
            ModelVersion version, VelocityModel model, Tap tap) {
        Tap.require(tap);
        long n = target.getShape().get(0);
        long tokens = target.getShape().get(1);
        if (guidance.length != n) {
            throw new IllegalArgumentException(guidance.length + " guidance values for " + n + " requests");
        }
        if (!reference.getShape().equals(target.getShape())) {
            throw new IllegalArgumentException("reference " + reference.getShape() + " vs target " + target.getShape());
        }
        NDManager m = target.getManager();
        NDArray g = m.create(guidance, new Shape(n, 1, 1));
        double truncate = version == ModelVersion.V1_1 ? V11_TRUNCATE : 1.0;
        NDArray x = target;
        for (int i = 0; i + 1 < timesteps.length; i++) {
            double tCurr = timesteps[i];
            double tPrev = timesteps[i + 1];
            NDArray current = x;
            int step = i;
            NDArray next = Scoped.run(() -> {
                NDArray img = current.concat(reference, 1);
                NDArray batch = img.concat(img, 0);
                NDArray tVec = m.full(new Shape(2 * n), (float) tCurr, DataType.FLOAT32);
                tap.tensor("step" + step + ".x_target", Tap.BATCH, current);
                tap.tensor("step" + step + ".img_in", Tap.BATCH, batch);
                tap.tensor("step" + step + ".t_vec", Tap.BATCH, tVec);
                NDArray pred = model.predict(batch, tVec, step);
                tap.tensor("step" + step + ".pred", Tap.BATCH, pred);
                NDArray targetPred = pred.get(":, :{}", tokens);
                NDArray cond = targetPred.get(":{}", n);
                NDArray uncond = targetPred.get("{}:", n);
                NDArray diff = cond.sub(uncond);
                NDArray v;
                if (tCurr > truncate) {
                    NDArray norm = diff.norm(new int[] {2}, true);
                    NDArray divisor = processDiffNorm(norm, DIFF_NORM_K);
                    tap.tensor("step" + step + ".diff_norm", Tap.BATCH, norm);
                    tap.tensor("step" + step + ".norm_divisor", Tap.BATCH, divisor);
                    v = uncond.add(g.mul(diff).div(divisor));
                } else {
                    v = uncond.add(g.mul(diff));
                }
                tap.tensor("step" + step + ".v_cfg", Tap.BATCH, v);
                // Python float (t_prev - t_curr) in double, then a float32 scalar times the tensor
                return current.add(v.mul((float) (tPrev - tCurr)));
            });
            tap.tensor("step" + i + ".latents", Tap.BATCH, next);
            if (x != target) {
                x.close(); // the previous state; the caller's input stays theirs
            }
            x = next;
        }
        return x;
    }

    /** n^k where n > 1, 1 where n < 1, n where n == 1. */
    static NDArray processDiffNorm(NDArray norm, float k) {
        NDArray pow = norm.pow(k);
        NDArray belowOrOne = NDArrays.where(norm.lt(1f), norm.onesLike(), norm);
        return NDArrays.where(norm.gt(1f), pow, belowOrOne);
    }
}
