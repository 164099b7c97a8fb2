package dev.step1x.worker.batching;

import dev.step1x.engine.pipeline.BucketKey;
import java.time.Duration;
import java.util.Locale;

/**
 * How long one batch may keep the device, and what that allows. A batch's device time is modelled as
 * {@code rows x pixels x steps x secondsPerStepPixel}: the denoising loop dominates and scales with all three.
 * The rate starts from a configured value and is then learned from the engine's measured batch times (an
 * exponentially weighted mean of {@code measured / (rows x pixels x steps)}), so a worker on a faster or slower
 * device converges to its own figure. The model charges the batch's fixed stages (Qwen, VAE) to its steps too,
 * which errs on the long side for few-step requests.
 *
 * <p>The budget bounds every batch: it is what a drain must wait for, so the drain grace, the pod's termination
 * grace period and {@code max.poll.interval.ms} are all derived from it. A bucket's batch gets fewer rows when its
 * steps or pixels are high ({@link #maxRows}); a request that cannot finish within the budget even alone is refused
 * before it runs. Thread-safe: the device thread learns, the batcher and prefetch read.
 */
public final class BatchTimeBudget {

    /**
     * @param budget the longest device time of one batch
     * @param secondsPerStepMegapixel the starting rate: device seconds of one row's denoising step per megapixel
     * @param learningWeight weight of each measured batch in the running mean (0: never learn; 1: last batch only)
     */
    public record Settings(Duration budget, double secondsPerStepMegapixel, double learningWeight) {
        public Settings {
            if (budget == null || budget.isZero() || budget.isNegative()) {
                throw new IllegalArgumentException("worker.batching.batch-time-budget must be > 0, got " + budget);
            }
            if (!(secondsPerStepMegapixel > 0) || Double.isInfinite(secondsPerStepMegapixel)) {
                throw new IllegalArgumentException("worker.batching.seconds-per-step-megapixel must be a positive "
                        + "number, got " + secondsPerStepMegapixel);
            }
            if (!(learningWeight >= 0 && learningWeight <= 1)) {
                throw new IllegalArgumentException("worker.batching.time-learning-weight must be within 0..1, got "
                        + learningWeight);
            }
        }
    }

    private static final double MEGAPIXEL = 1_000_000.0;

    private final Duration budget;
    private final double learningWeight;
    private volatile double secondsPerStepPixel;

    public BatchTimeBudget(Settings settings) {
        this.budget = settings.budget();
        this.learningWeight = settings.learningWeight();
        this.secondsPerStepPixel = settings.secondsPerStepMegapixel() / MEGAPIXEL;
    }

    public Duration budget() {
        return budget;
    }

    /** The current rate, device seconds per row-step-megapixel. */
    public double secondsPerStepMegapixel() {
        return secondsPerStepPixel * MEGAPIXEL;
    }

    /** One row's step-pixels: width x height x steps of its bucket. */
    static double stepPixels(BucketKey key) {
        return (double) key.width() * key.height() * Math.max(1, key.steps());
    }

    /** Estimated device time of a batch of {@code rows} rows of {@code key}. */
    public Duration estimate(BucketKey key, int rows) {
        return Duration.ofNanos((long) Math.min(Long.MAX_VALUE, rows * stepPixels(key) * secondsPerStepPixel * 1e9));
    }

    /** The most rows of {@code key} whose batch stays within the budget (0: not even one row does). */
    public int maxRows(BucketKey key) {
        double perRow = stepPixels(key) * secondsPerStepPixel;
        double rows = budget.toNanos() / 1e9 / perRow;
        return rows >= Integer.MAX_VALUE ? Integer.MAX_VALUE : (int) Math.floor(rows);
    }

    /** Why a lone request of {@code key} cannot run within the budget, or null when it can. */
    public String refusal(BucketKey key) {
        if (maxRows(key) >= 1) {
            return null;
        }
        return String.format(Locale.ROOT, "bucket %s needs about %d s alone (%d steps x %d pixels at %.3g s per "
                + "step-megapixel on this worker), over the batch time budget of %d s; send fewer steps or a smaller "
                + "sizeLevel", key, estimate(key, 1).toSeconds(), key.steps(), (long) key.width() * key.height(),
                secondsPerStepMegapixel(), budget.toSeconds());
    }

    /** A batch of {@code rows} rows of {@code key} took {@code nanos} on the engine: the rate moves towards it. */
    public synchronized void measured(BucketKey key, int rows, long nanos) {
        if (rows < 1 || nanos <= 0 || learningWeight == 0) {
            return;
        }
        double sample = nanos / 1e9 / (rows * stepPixels(key));
        secondsPerStepPixel = (1 - learningWeight) * secondsPerStepPixel + learningWeight * sample;
    }

    /**
     * The longest expected gap between two finished denoising steps: one step of the largest batch of the largest
     * buckets ({@code rows} rows of {@code pixels} pixels).
     */
    public Duration worstStep(int rows, long pixels) {
        return Duration.ofNanos((long) (rows * (double) pixels * secondsPerStepPixel * 1e9));
    }
}
