package dev.step1x.engine.dit;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.step1x.engine.parity.ParityCase;
import dev.step1x.engine.parity.ParityCatalog;
import dev.step1x.engine.parity.ParityComponent;
import dev.step1x.engine.parity.ParityPaths;
import dev.step1x.engine.parity.ParityRunner;
import dev.step1x.engine.parity.ParityTestAccess;
import dev.step1x.engine.parity.TensorComparison;
import dev.step1x.engine.parity.Tolerance;
import dev.step1x.engine.runtime.EngineRuntime;
import dev.step1x.engine.weights.SafetensorsFile;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class Step1XEditForwardTest {

    static final EngineRuntime RT = EngineRuntime.startDefault();

    private static ParityCase parityCase(String name) throws Exception {
        return ParityCatalog.find(ParityPaths.defaultParityDir(), name);
    }

    private static void assertPasses(String name, ParityComponent component) throws Exception {
        List<ParityRunner.Row> rows = new ParityRunner(RT, Map.of(name, component)).runCase(parityCase(name));
        rows.forEach(r -> System.out.println(r));
        assertThat(rows).isNotEmpty().allSatisfy(r -> assertThat(r.status()).as(r.toString()).isEqualTo(ParityRunner.Status.PASS));
    }

    @Test
    void goldenDitForwardPasses() throws Exception {
        assertPasses("dit_forward", DitForwardParity.component("dit.safetensors"));
    }

    @Test
    void goldenDitForwardWithBf16WeightsPasses() throws Exception {
        assertPasses("dit_forward_bf16weights", DitForwardParity.component("dit_bf16.safetensors"));
    }

    /** Every recorded intermediate of dit_forward matches too, which localises a regression. */
    @Test
    void intermediatesMatch() throws Exception {
        ParityCase c = parityCase("dit_forward");
        try (NDManager m = RT.newManager(); SafetensorsFile f = SafetensorsFile.open(c.file())) {
            ParityComponent comp = DitForwardParity.component("dit.safetensors");
            Map<String, NDArray> out = comp.run(m, ParityTestAccess.caseData(c, f, m));
            int compared = 0;
            for (String name : f.tensors().keySet()) {
                if (!name.startsWith("mid.") || name.equals("mid.pe") || name.equals("mid.vector_in")) {
                    continue;
                }
                assertThat(out).as("produced " + name).containsKey(name);
                var r = TensorComparison.compare(out.get(name), f.load(m, name), Tolerance.of(5e-5));
                assertThat(r.pass()).as(name + " max diff " + r.maxAbsDiff() + " " + r.note()).isTrue();
                compared++;
            }
            assertThat(compared).isGreaterThanOrEqualTo(10);
        }
    }

    /** The rotary tables equal the golden EmbedND output [[cos, -sin], [sin, cos]]. */
    @Test
    void ropeEqualsTheGoldenTables() throws Exception {
        ParityCase c = parityCase("dit_forward");
        try (NDManager m = RT.newManager(); SafetensorsFile f = SafetensorsFile.open(c.file())) {
            EmbedND embed = new EmbedND(10000, new int[] {8, 12, 12});
            EmbedND.Rope rope = embed.forward(f.load(m, "in.txt_ids").concat(f.load(m, "in.img_ids"), 1));
            NDArray pe = f.load(m, "mid.pe"); // [B, 1, L, D/2, 2, 2]
            assertThat(TensorComparison.compare(rope.cos(), pe.get("..., 0, 0"), Tolerance.abs(1e-7)).pass()).isTrue();
            assertThat(TensorComparison.compare(rope.sin(), pe.get("..., 1, 0"), Tolerance.abs(1e-7)).pass()).isTrue();
            assertThat(TensorComparison.compare(rope.sin().neg(), pe.get("..., 0, 1"), Tolerance.abs(1e-7)).pass()).isTrue();
        }
    }
}
