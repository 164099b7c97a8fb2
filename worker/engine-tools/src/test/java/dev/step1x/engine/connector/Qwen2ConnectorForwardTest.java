package dev.step1x.engine.connector;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.step1x.engine.ModelVersion;
import dev.step1x.engine.TestPaths;
import dev.step1x.engine.parity.ParityCase;
import dev.step1x.engine.parity.ParityCatalog;
import dev.step1x.engine.parity.ParityRunner;
import dev.step1x.engine.parity.TensorComparison;
import dev.step1x.engine.parity.Tolerance;
import dev.step1x.engine.runtime.EngineRuntime;
import dev.step1x.engine.weights.SafetensorsFile;
import dev.step1x.engine.weights.StrictLoader;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The connector against the golden case {@code connector_forward} (official code, float32). */
class Qwen2ConnectorForwardTest {

    private static final Tolerance TOL = Tolerance.of(5e-5);

    static EngineRuntime runtime;
    static Qwen2ConnectorConfig config;
    static SafetensorsFile golden;

    @BeforeAll
    static void start() throws Exception {
        runtime = EngineRuntime.startDefault();
        config = Qwen2ConnectorConfig.fromJson(TestPaths.step1x("connector_config.json"));
        golden = SafetensorsFile.open(TestPaths.step1x("connector_forward.safetensors"));
    }

    @AfterAll
    static void stop() throws Exception {
        golden.close();
    }

    @Test
    void goldenCasePassesThroughTheParityRunner() throws Exception {
        ParityCase c = ParityCatalog.find(TestPaths.parityDir(), ConnectorForwardParity.CASE);
        List<ParityRunner.Row> rows = new ParityRunner(runtime,
                Map.of(ConnectorForwardParity.CASE, ConnectorForwardParity.component())).runCase(c);
        new ParityRunner.Report(rows).print(System.out);
        assertThat(rows).extracting(ParityRunner.Row::tensor).containsExactlyInAnyOrder("out.txt", "out.y");
        assertThat(rows).allSatisfy(r -> assertThat(r.status()).as(r.toString()).isEqualTo(ParityRunner.Status.PASS));
    }

    @Test
    void intermediatesMatchTheOfficialActivations() throws Exception {
        try (NDManager m = runtime.newManager()) {
            Qwen2Connector conn = Qwen2Connector.load(m, TestPaths.step1x("connector.safetensors"), config,
                    ModelVersion.V1_0);
            NDArray x = golden.load(m, "in.x");
            NDArray t = golden.load(m, "in.t");
            NDArray mask = golden.load(m, "in.mask");
            SingleTokenRefiner s = conn.s();

            NDArray mean = Qwen2Connector.maskedMean(x, mask);
            check(m, "mid.x_mean_scaled", conn.scaledMean(mean), TOL);
            NDArray tEmb = s.tEmbedder().forward(t.mul(1000f), DataType.FLOAT32);
            check(m, "mid.S.t_embedder", tEmb, TOL);
            NDArray cEmb = s.cEmbedder().forward(mean);
            check(m, "mid.S.c_embedder", cEmb, TOL);
            NDArray cond = tEmb.add(cEmb);
            check(m, "mid.S.refiner.c", cond, TOL);
            check(m, "mid.S.refiner.c", s.conditioning(t.mul(1000f), mean, x), TOL);
            NDArray attnMask = IndividualTokenRefiner.selfAttentionMask(mask);
            assertThat(attnMask.getDataType()).isEqualTo(DataType.BOOLEAN);
            check(m, "mid.S.refiner.self_attn_mask", attnMask.toType(DataType.INT64, false), Tolerance.EXACT);

            NDArray h = s.inputEmbedder().forward(x);
            check(m, "mid.S.input_embedder", h, TOL);
            NDArray additive = dev.step1x.engine.nn.Attention.additiveMask(attnMask, DataType.FLOAT32);
            List<IndividualTokenRefinerBlock> blocks = s.individualTokenRefiner().blocks();
            assertThat(blocks).hasSize(config.depth());
            for (int i = 0; i < blocks.size(); i++) {
                h = blocks.get(i).forward(h, cond, additive);
                check(m, "mid.S.individual_token_refiner.blocks." + i, h, TOL);
            }
            check(m, "out.txt", h, TOL);
        }
    }

    @Test
    void forwardReleasesItsIntermediatesAndIsRepeatable() throws Exception {
        try (NDManager m = runtime.newManager()) {
            Qwen2Connector conn = Qwen2Connector.load(m, TestPaths.step1x("connector.safetensors"), config,
                    ModelVersion.V1_0);
            NDArray x = golden.load(m, "in.x");
            NDArray t = golden.load(m, "in.t");
            NDArray mask = golden.load(m, "in.mask");
            int before = m.getManagedArrays().size();
            Qwen2Connector.Output a = conn.forward(x, t, mask);
            assertThat(m.getManagedArrays()).hasSize(before + 2).contains(a.txt(), a.y());
            Qwen2Connector.Output b = conn.forward(x, t, mask);
            assertThat(m.getManagedArrays()).hasSize(before + 4);
            assertThat(b.txt().contentEquals(a.txt())).isTrue();
            assertThat(b.y().contentEquals(a.y())).isTrue();
            assertThat(x.isReleased() || t.isReleased() || mask.isReleased()).isFalse();
            assertThat(a.txt().getShape().getShape()).containsExactly(2, 9, config.hiddenSize());
            assertThat(a.y().getShape().getShape()).containsExactly(2, Qwen2ConnectorConfig.GLOBAL_PROJ_OUT_FEATURES);
            assertThat(a.txt().getDataType()).isEqualTo(DataType.FLOAT32);
        }
    }

    @Test
    void loadsTheSameConnectorFromTheWholeDitCheckpoint() throws Exception {
        try (NDManager m = runtime.newManager()) {
            NDArray x = golden.load(m, "in.x");
            NDArray t = golden.load(m, "in.t");
            NDArray mask = golden.load(m, "in.mask");
            Qwen2Connector.Output a = Qwen2Connector.load(m, TestPaths.step1x("connector.safetensors"), config,
                    ModelVersion.V1_0).forward(x, t, mask);
            Qwen2Connector.Output b = Qwen2Connector.load(m, TestPaths.step1x("dit.safetensors"), config,
                    ModelVersion.V1_0).forward(x, t, mask);
            assertThat(b.txt().contentEquals(a.txt())).isTrue();
            assertThat(b.y().contentEquals(a.y())).isTrue();
        }
    }

    @Test
    void v11RunsWithoutScaleFactor() throws Exception {
        try (NDManager m = runtime.newManager()) {
            Qwen2Connector v11 = Qwen2Connector.load(m, TestPaths.step1x("dit_v11.safetensors"), config,
                    ModelVersion.V1_1);
            assertThat(v11.version()).isEqualTo(ModelVersion.V1_1);
            NDArray x = golden.load(m, "in.x");
            NDArray t = golden.load(m, "in.t");
            NDArray mask = golden.load(m, "in.mask");
            Qwen2Connector.Output out = v11.forward(x, t, mask);
            // The token path does not involve scale_factor: same as v1.0.
            check(m, "out.txt", out.txt(), TOL);
            // The pooled path sees the unscaled mean: y = global_proj_out(mean), no (1 + scale_factor).
            NDArray mean = Qwen2Connector.maskedMean(x, mask);
            assertThat(v11.scaledMean(mean)).isSameAs(mean);
            assertThat(out.y().contentEquals(v11.globalProjOut().forward(mean))).isTrue();
            double diff = maxAbs(out.y(), golden.load(m, "out.y"));
            System.out.printf(Locale.ROOT, "v1.1 y vs v1.0 out.y: max abs diff %.3e (scale_factor dropped)%n", diff);
            assertThat(diff).as("v1.1 y must differ from v1.0 y").isGreaterThan(1e-3);
        }
    }

    @Test
    void aV10CheckpointDoesNotLoadAsV11() {
        try (NDManager m = runtime.newManager()) {
            assertThatThrownBy(() -> Qwen2Connector.load(m, TestPaths.step1x("connector.safetensors"), config,
                    ModelVersion.V1_1))
                    .isInstanceOf(StrictLoader.WeightMismatchException.class)
                    .hasMessageContaining("connector.scale_factor");
            assertThatThrownBy(() -> Qwen2Connector.load(m, TestPaths.step1x("dit_v11.safetensors"), config,
                    ModelVersion.V1_0))
                    .isInstanceOf(StrictLoader.WeightMismatchException.class)
                    .hasMessageContaining("connector.scale_factor");
        }
    }

    private static double maxAbs(NDArray a, NDArray b) {
        return a.sub(b).abs().max().getFloat();
    }

    private static void check(NDManager m, String name, NDArray actual, Tolerance tol) throws Exception {
        NDArray expected = golden.load(m, name);
        TensorComparison.Result r = TensorComparison.compare(actual, expected, tol);
        System.out.printf(Locale.ROOT, "%-44s max abs diff %.3e  %s%n", name, r.maxAbsDiff(), r.pass() ? "PASS" : "FAIL");
        assertThat(r.pass()).as(name + ": " + r.note() + " (max abs diff " + r.maxAbsDiff() + ")").isTrue();
    }
}
