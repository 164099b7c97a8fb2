package dev.step1x.worker.publish;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class PublishBackoffTest {

    private final PublishBackoff backoff = new PublishBackoff(Duration.ofMillis(100), Duration.ofSeconds(10));

    @Test
    void theBoundDoublesUpToTheCap() {
        assertThat(backoff.ceilingMillis(1)).isEqualTo(100);
        assertThat(backoff.ceilingMillis(2)).isEqualTo(200);
        assertThat(backoff.ceilingMillis(7)).isEqualTo(6400);
        assertThat(backoff.ceilingMillis(8)).isEqualTo(10_000);
        assertThat(backoff.ceilingMillis(10_000)).isEqualTo(10_000);
    }

    @Test
    void waitsAreSpreadOverTheWholeRange() {
        SplittableRandom random = new SplittableRandom(42);
        long min = Long.MAX_VALUE;
        long max = 0;
        for (int i = 0; i < 2000; i++) {
            long d = backoff.delayMillis(20, random);
            assertThat(d).isBetween(0L, 10_000L);
            min = Math.min(min, d);
            max = Math.max(max, d);
        }
        // full jitter: from near 0 to near the cap, not clustered around the bound
        assertThat(min).isLessThan(500);
        assertThat(max).isGreaterThan(9_500);
    }

    @Test
    void badSettingsAreNamed() {
        assertThatThrownBy(() -> new PublishBackoff(Duration.ZERO, Duration.ofSeconds(1)))
                .hasMessageContaining("initial delay must be positive");
        assertThatThrownBy(() -> new PublishBackoff(Duration.ofSeconds(2), Duration.ofSeconds(1)))
                .hasMessageContaining("must be at least the initial delay");
    }
}
