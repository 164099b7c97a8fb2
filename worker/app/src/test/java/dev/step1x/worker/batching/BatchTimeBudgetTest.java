package dev.step1x.worker.batching;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.step1x.engine.ModelVersion;
import dev.step1x.engine.pipeline.BucketKey;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The time budget's row cap, its refusal of lone requests that cannot fit, and what it learns from batches. */
class BatchTimeBudgetTest {

    static final BucketKey K1024_28 = new BucketKey(ModelVersion.V1_1, 1024, 1024, 28);
    static final BucketKey K1024_100 = new BucketKey(ModelVersion.V1_1, 1024, 1024, 100);
    static final BucketKey K512_28 = new BucketKey(ModelVersion.V1_1, 512, 512, 28);

    /** 0.75 s per row-step-megapixel: a 1024² 28-step row takes 22 s, as on an H800. */
    static BatchTimeBudget h800(int budgetSeconds, double weight) {
        return new BatchTimeBudget(new BatchTimeBudget.Settings(Duration.ofSeconds(budgetSeconds),
                22.0 / (28 * 1.048576), weight));
    }

    @Test
    void rowsShrinkWhenStepsOrPixelsGrow() {
        BatchTimeBudget b = h800(90, 0.2);
        assertThat(b.estimate(K1024_28, 1).toMillis()).isBetween(21_900L, 22_100L);
        assertThat(b.maxRows(K1024_28)).as("4 x 22 s = 88 s <= 90 s").isEqualTo(4);
        assertThat(b.maxRows(K1024_100)).as("one 100-step row takes ~79 s").isEqualTo(1);
        assertThat(b.maxRows(K512_28)).as("a quarter of the pixels: 16 rows fit").isEqualTo(16);
        BatchTimeBudget tight = h800(60, 0.2);
        assertThat(tight.maxRows(K1024_28)).as("60 s: two rows of 22 s").isEqualTo(2);
        assertThat(tight.maxRows(K1024_100)).as("79 s alone: nothing fits").isZero();
    }

    @Test
    void aLoneRequestOverTheBudgetIsRefusedWithTheNumbers() {
        BatchTimeBudget b = h800(60, 0.2);
        assertThat(b.refusal(K1024_28)).isNull();
        assertThat(b.refusal(K1024_100)).contains("v1.1:1024x1024:100").contains("about 78 s alone")
                .contains("100 steps").contains("budget of 60 s").contains("fewer steps or a smaller sizeLevel");
    }

    @Test
    void measuredBatchesMoveTheRateByTheirWeight() {
        BatchTimeBudget b = h800(90, 0.5);
        double start = b.secondsPerStepMegapixel();
        // the device is twice as slow as assumed: a 2-row batch of 1024² 28 steps takes 88 s, not 44 s
        b.measured(K1024_28, 2, Duration.ofSeconds(88).toNanos());
        assertThat(b.secondsPerStepMegapixel()).isCloseTo(1.5 * start, org.assertj.core.data.Offset.offset(1e-6));
        for (int i = 0; i < 20; i++) {
            b.measured(K1024_28, 2, Duration.ofSeconds(88).toNanos());
        }
        assertThat(b.secondsPerStepMegapixel()).isCloseTo(2 * start, org.assertj.core.data.Offset.offset(1e-3));
        assertThat(b.maxRows(K1024_28)).as("44 s per row now").isEqualTo(2);

        BatchTimeBudget fixed = h800(90, 0);
        fixed.measured(K1024_28, 2, Duration.ofSeconds(88).toNanos());
        assertThat(fixed.secondsPerStepMegapixel()).as("weight 0: never learns").isEqualTo(start);
    }

    @Test
    void theWorstStepIsOneStepOfAFullBatch() {
        BatchTimeBudget b = h800(90, 0.2);
        // 4 rows of 1024² at 0.75 s per step-megapixel: ~3.1 s per step
        assertThat(b.worstStep(4, 1024L * 1024).toMillis()).isBetween(3_100L, 3_200L);
    }

    @Test
    void badSettingsAreNamed() {
        assertThatThrownBy(() -> new BatchTimeBudget.Settings(Duration.ZERO, 1, 0.2))
                .hasMessageContaining("worker.batching.batch-time-budget must be > 0");
        assertThatThrownBy(() -> new BatchTimeBudget.Settings(Duration.ofSeconds(1), -1, 0.2))
                .hasMessageContaining("worker.batching.seconds-per-step-megapixel");
        assertThatThrownBy(() -> new BatchTimeBudget.Settings(Duration.ofSeconds(1), 1, 2))
                .hasMessageContaining("worker.batching.time-learning-weight must be within 0..1");
    }
}
