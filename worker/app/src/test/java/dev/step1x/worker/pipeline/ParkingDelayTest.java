package dev.step1x.worker.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.step1x.worker.config.WorkerProperties;
import java.time.Duration;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ParkingDelayTest {

    @Test
    void doublesUpToTheCapWithEachWaitDrawnFromTheUpperHalf() {
        WorkerProperties.Outage outage = new WorkerProperties.Outage();
        outage.setRetryDelay(Duration.ofMillis(1000));
        outage.setMaxRetryDelay(Duration.ofMillis(8000));
        StorageRetry.Settings o = outage.toSettings();
        Random random = new Random(7);
        long[] full = {1000, 2000, 4000, 8000, 8000, 8000};
        for (int waits = 0; waits < full.length; waits++) {
            Set<Long> seen = new HashSet<>();
            for (int i = 0; i < 200; i++) {
                long d = ParkingDelay.millis(o, waits, random);
                assertThat(d).as("wait %d", waits).isBetween(full[waits] / 2, full[waits]);
                seen.add(d);
            }
            assertThat(seen).as("jittered, not one fixed delay").hasSizeGreaterThan(50);
        }
        assertThat(ParkingDelay.millis(o, 10_000, random)).isBetween(4000L, 8000L);
    }
}
