package dev.step1x.engine.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import org.junit.jupiter.api.Test;

class LiveTensorsTest {

    @Test
    void countsArraysOfOpenSubManagersAndForgetsClosedOnes() {
        EngineRuntime rt = EngineRuntime.startDefault();
        NDManager root = rt.newManager();
        root.ones(new ai.djl.ndarray.types.Shape(2));
        root.zeros(new ai.djl.ndarray.types.Shape(3));
        assertThat(LiveTensors.count(root)).isEqualTo(2);

        NDManager batch = root.newSubManager();
        NDArray a = batch.ones(new ai.djl.ndarray.types.Shape(4));
        a.add(1);                                   // a result: one more array in the batch's manager
        try (NDManager visit = batch.newSubManager()) {
            visit.zeros(new ai.djl.ndarray.types.Shape(1));
            assertThat(LiveTensors.count(root)).as("nested managers are walked").isEqualTo(5);
        }
        assertThat(LiveTensors.count(root)).isEqualTo(4);
        batch.close();
        assertThat(LiveTensors.count(root)).as("a closed batch leaves nothing behind").isEqualTo(2);

        root.close();
        assertThat(LiveTensors.count(root)).isEqualTo(-1);
    }
}
