package dev.step1x.engine.sampler;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.step1x.engine.ModelVersion;
import dev.step1x.engine.parity.ParityCase;
import dev.step1x.engine.parity.ParityCatalog;
import dev.step1x.engine.parity.ParityPaths;
import dev.step1x.engine.parity.ParityRunner;
import dev.step1x.engine.parity.ParityTestAccess;
import dev.step1x.engine.parity.TensorComparison;
import dev.step1x.engine.parity.Tolerance;
import dev.step1x.engine.runtime.EngineRuntime;
import dev.step1x.engine.weights.SafetensorsFile;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class SamplerEnd2EndTest {

    static final EngineRuntime RT = EngineRuntime.startDefault();

    private static ParityCase parityCase(ModelVersion v) throws Exception {
        String name = v == ModelVersion.V1_1 ? "sampler_end2end_v11" : "sampler_end2end";
        return ParityCatalog.find(ParityPaths.defaultParityDir(), name);
    }

    @ParameterizedTest
    @EnumSource(ModelVersion.class)
    void goldenSamplerPasses(ModelVersion v) throws Exception {
        ParityCase c = parityCase(v);
        List<ParityRunner.Row> rows = new ParityRunner(RT, Map.of(c.name(), SamplerEnd2EndParity.component(v))).runCase(c);
        rows.forEach(System.out::println);
        assertThat(rows).hasSize(c.outputs().size())
                .allSatisfy(r -> assertThat(r.status()).as(r.toString()).isEqualTo(ParityRunner.Status.PASS));
    }

    /** Per-step DiT inputs, raw predictions and guided velocities match the golden run too. */
    @ParameterizedTest
    @EnumSource(ModelVersion.class)
    void perStepTensorsMatch(ModelVersion v) throws Exception {
        ParityCase c = parityCase(v);
        try (NDManager m = RT.newManager(); SafetensorsFile f = SafetensorsFile.open(c.file())) {
            Map<String, NDArray> out = SamplerEnd2EndParity.component(v).run(m, ParityTestAccess.caseData(c, f, m));
            int compared = 0;
            for (String name : f.tensors().keySet()) {
                if (!name.startsWith("mid.step") && !name.equals("mid.ref_latents")) {
                    continue;
                }
                assertThat(out).as("produced " + name).containsKey(name);
                var r = TensorComparison.compare(out.get(name), f.load(m, name), new Tolerance(2e-4, 1e-4));
                assertThat(r.pass()).as(name + " max diff " + r.maxAbsDiff() + " " + r.note()).isTrue();
                compared++;
            }
            assertThat(compared).isGreaterThanOrEqualTo(13);
        }
    }
}
