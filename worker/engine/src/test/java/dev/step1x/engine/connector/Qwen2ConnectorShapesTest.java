package dev.step1x.engine.connector;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.step1x.engine.ModelVersion;
import dev.step1x.engine.nn.LoadedParams;
import dev.step1x.engine.runtime.EngineRuntime;
import dev.step1x.engine.weights.WeightSpec;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Nothing depends on the tiny golden shapes; masked tokens never leak into valid ones. */
class Qwen2ConnectorShapesTest {

    static EngineRuntime runtime;

    @BeforeAll
    static void start() {
        runtime = EngineRuntime.startDefault();
    }

    /** Random weights (std 1/sqrt(fan_in)) for every key of the spec. */
    private static Qwen2Connector randomConnector(NDManager m, Qwen2ConnectorConfig cfg, ModelVersion v) {
        WeightSpec spec = Qwen2Connector.weightSpec(cfg, v);
        Map<String, NDArray> tensors = new HashMap<>();
        spec.shapes().forEach((k, shape) -> {
            float std = shape.length == 2 ? (float) (1.0 / Math.sqrt(shape[1])) : 0.1f;
            NDArray a = m.randomNormal(0f, std, new Shape(shape), DataType.FLOAT32);
            if (k.endsWith("scale_factor")) {
                a = a.mul(0.1f).sub(0.91f);
            } else if (k.contains(".norm") && k.endsWith(".weight")) {
                a = a.add(1f);
            }
            tensors.put(k, a);
        });
        return new Qwen2Connector(new LoadedParams(tensors).child(Qwen2Connector.KEY_PREFIX), cfg, v);
    }

    @Test
    void anyBatchLengthWidthHeadsAndDepth() {
        Qwen2ConnectorConfig cfg = new Qwen2ConnectorConfig(24, 48, 3, 3, false);
        try (NDManager m = runtime.newManager()) {
            m.getEngine().setRandomSeed(7);
            for (ModelVersion v : ModelVersion.values()) {
                Qwen2Connector conn = randomConnector(m, cfg, v);
                NDArray x = m.randomNormal(new Shape(3, 5, 24));
                NDArray t = m.create(new float[] {0.1f, 0.5f, 0.9f});
                NDArray mask = m.create(new long[] {1, 1, 1, 0, 0, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0}, new Shape(3, 5));
                Qwen2Connector.Output out = conn.forward(x, t, mask);
                assertThat(out.txt().getShape().getShape()).containsExactly(3, 5, 48);
                assertThat(out.y().getShape().getShape()).containsExactly(3, 768);
                assertThat(out.txt().isNaN().any().getBoolean()).isFalse();

                // Garbage at padded positions changes nothing at valid positions nor the pooled vector.
                NDArray padded = mask.eq(0).expandDims(2).toType(DataType.FLOAT32, false);
                NDArray x2 = x.add(m.randomNormal(new Shape(3, 5, 24)).mul(100f).mul(padded));
                Qwen2Connector.Output out2 = conn.forward(x2, t, mask);
                assertThat(out2.y().contentEquals(out.y())).isTrue();
                NDArray valid = mask.expandDims(2).toType(DataType.FLOAT32, false);
                assertThat(out2.txt().sub(out.txt()).mul(valid).abs().max().getFloat()).isLessThan(1e-5f);
                // ... while the padded tokens themselves do change (they attend to token 0 only, from their own query).
                assertThat(out2.txt().get(new NDIndex("0, 3")).contentEquals(out.txt().get(new NDIndex("0, 3")))).isFalse();
            }
        }
    }

    @Test
    void paddedQueriesAttendToTokenZeroOnly() {
        try (NDManager m = runtime.newManager()) {
            NDArray mask = m.create(new long[] {1, 1, 0, 0, 1, 1}, new Shape(2, 3));
            NDArray got = IndividualTokenRefiner.selfAttentionMask(mask).toType(DataType.INT64, false);
            long[] expected = {
                1, 1, 0, 1, 1, 0, 1, 0, 0,
                1, 0, 0, 1, 1, 1, 1, 1, 1};
            assertThat(got.getShape().getShape()).containsExactly(2, 1, 3, 3);
            assertThat(got.toLongArray()).containsExactly(expected);
        }
    }

    @Test
    void depthZeroIsTheInputEmbedding() {
        Qwen2ConnectorConfig cfg = new Qwen2ConnectorConfig(8, 16, 2, 0, false);
        try (NDManager m = runtime.newManager()) {
            Qwen2Connector conn = randomConnector(m, cfg, ModelVersion.V1_1);
            NDArray x = m.randomNormal(new Shape(1, 4, 8));
            Qwen2Connector.Output out = conn.forward(x, m.create(new float[] {0.3f}),
                    m.create(new long[] {1, 1, 1, 1}, new Shape(1, 4)));
            assertThat(out.txt().contentEquals(conn.s().inputEmbedder().forward(x))).isTrue();
        }
    }
}
