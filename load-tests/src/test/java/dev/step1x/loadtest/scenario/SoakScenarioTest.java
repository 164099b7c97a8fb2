package dev.step1x.loadtest.scenario;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SoakScenarioTest {

    @Test
    void slopeFindsAGrowthUnderNoiseAndIgnoresMissingSamples() {
        List<SoakScenario.Sample> s = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            double t = i * 10.0;
            double noise = (i % 2 == 0 ? 1 : -1) * 5e6;            // +-5 MB of sawtooth
            s.add(new SoakScenario.Sample(t, 1e9 + 1e5 * t + noise, Double.NaN, 1000, Double.NaN));
        }
        assertThat(SoakScenario.slope(s, SoakScenario.Sample::rss)).isCloseTo(1e5, within(2e3));
        assertThat(SoakScenario.slope(s, SoakScenario.Sample::tensors)).isZero();
        assertThat(SoakScenario.slope(s, SoakScenario.Sample::nativeBytes)).as("no usable sample").isNaN();
    }

    @Test
    void floorsKeepEachMinutesSmallestValueSoBatchesInFlightDoNotLookLikeALeak() {
        List<SoakScenario.Sample> s = new ArrayList<>();
        for (int i = 0; i < 120; i++) {
            double t = i * 5.0;
            boolean midBatch = i % 3 == 0;                       // a batch's working memory in a third of them
            s.add(new SoakScenario.Sample(t, 2e9, midBatch ? 5e8 + (i % 7) * 1e8 : 2e8, midBatch ? 700 : 501,
                    Double.NaN));
        }
        List<SoakScenario.Sample> f = SoakScenario.floors(s);
        assertThat(f).hasSize(10);
        assertThat(f).allSatisfy(w -> {
            assertThat(w.nativeBytes()).isEqualTo(2e8);
            assertThat(w.tensors()).isEqualTo(501);
            assertThat(w.deviceBytes()).isNaN();
        });
        assertThat(SoakScenario.slope(f, SoakScenario.Sample::nativeBytes)).isZero();
        // a real leak of 1 MB per sample lifts the floors
        List<SoakScenario.Sample> leaking = new ArrayList<>();
        for (SoakScenario.Sample x : s) {
            leaking.add(new SoakScenario.Sample(x.t(), x.rss(), x.nativeBytes() + x.t() / 5 * 1e6, x.tensors(), x.deviceBytes()));
        }
        assertThat(SoakScenario.slope(SoakScenario.floors(leaking), SoakScenario.Sample::nativeBytes))
                .isCloseTo(2e5, within(1e4));
    }
}
