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
}
