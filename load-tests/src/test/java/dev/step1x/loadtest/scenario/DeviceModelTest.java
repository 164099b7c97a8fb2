package dev.step1x.loadtest.scenario;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.step1x.loadtest.gen.Profile;
import org.junit.jupiter.api.Test;

class DeviceModelTest {

    @Test
    void h800PresetIsTheOfficialTimeScaledAndSplit() {
        DeviceModel d = DeviceModel.h800(Profile.preset("square-1024"), 0.01, 0.25);
        assertThat(d.base().toMillis()).isEqualTo(55); // 22 s * 0.01 * 0.25
        assertThat(d.perRow().toMillis()).isEqualTo(165);
        assertThat(d.capacity(1)).isCloseTo(1000 / 220.0, within(1e-9));
        assertThat(d.capacity(4) / d.capacity(1)).isCloseTo(220 * 4 / (55 + 4 * 165.0), within(1e-9));
        DeviceModel mix = DeviceModel.h800(Profile.preset("gedit"), 0.01, 0.25);
        // 0.25 * 5 + 0.25 * 11 + 0.5 * 22 = 15 s -> 150 ms
        assertThat(mix.base().toMillis() + mix.perRow().toMillis()).isEqualTo(150);
        assertThat(d.workerProperties()).contains("worker.engine.simulated.per-row=165ms");
    }
}
