package dev.step1x.engine.sampler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDManager;
import dev.step1x.engine.TestPaths;
import dev.step1x.engine.runtime.EngineRuntime;
import dev.step1x.engine.weights.SafetensorsFile;
import org.junit.jupiter.api.Test;

class SamplingTest {

    @Test
    void scheduleEqualsTheGoldenOneBitForBit() throws Exception {
        for (String file : new String[] {"sampler_end2end.safetensors", "sampler_end2end_v11.safetensors"}) {
            try (SafetensorsFile f = SafetensorsFile.open(TestPaths.step1x(file));
                    NDManager m = EngineRuntime.startDefault().newManager()) {
                float[] expected = f.load(m, "out.timesteps").toFloatArray();
                double[] actual = Sampling.schedule(expected.length - 1, 24); // 64x96 image -> 4x6 tokens
                assertThat(actual).hasSize(expected.length);
                for (int i = 0; i < expected.length; i++) {
                    assertThat(actual[i]).as(file + "[" + i + "]").isEqualTo((double) expected[i]);
                }
            }
        }
    }

    /** The official schedule's values for 28 steps (4 decimals). */
    @Test
    void scheduleMatchesThePublishedTwentyEightStepValues() {
        double[] l4096 = Sampling.schedule(28, 4096);
        double[] expected4096 = {1.0000, 0.9884, 0.9762, 0.9634, 0.9499, 0.9356};
        for (int i = 0; i < expected4096.length; i++) {
            assertThat(l4096[i]).isCloseTo(expected4096[i], within(5e-5));
        }
        double[] l1024 = Sampling.schedule(28, 1024);
        double[] expected1024 = {1.0000, 0.9807, 0.9606, 0.9399, 0.9185};
        for (int i = 0; i < expected1024.length; i++) {
            assertThat(l1024[i]).isCloseTo(expected1024[i], within(5e-5));
        }
        assertThat(l4096).hasSize(29);
        assertThat(l4096[28]).isZero();
    }

    @Test
    void linspaceCountsFromBothEndsLikeTorch() {
        float[] t = Sampling.linspace(1f, 0f, 29);
        assertThat(t[0]).isEqualTo(1f);
        assertThat(t[28]).isEqualTo(0f);
        float step = -1f / 28;
        assertThat(t[3]).isEqualTo(1f + step * 3);
        assertThat(t[20]).isEqualTo(0f - step * 8);
        assertThat(Sampling.linspace(1f, 0f, 1)).containsExactly(1f);
    }

    @Test
    void rejectsZeroSteps() {
        assertThatThrownBy(() -> Sampling.schedule(0, 24)).hasMessageContaining("num_steps must be >= 1");
    }
}
