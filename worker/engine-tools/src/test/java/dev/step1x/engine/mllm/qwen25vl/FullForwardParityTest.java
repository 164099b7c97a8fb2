package dev.step1x.engine.mllm.qwen25vl;

import static org.assertj.core.api.Assertions.assertThat;

import dev.step1x.engine.TestPaths;
import dev.step1x.engine.parity.ParityCase;
import dev.step1x.engine.parity.ParityCatalog;
import dev.step1x.engine.parity.ParityRunner;
import dev.step1x.engine.runtime.EngineRuntime;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The golden cases 4, 4b and 4c (vision tower + decoder + Step1X slice) through the parity runner. */
class FullForwardParityTest {

    @ParameterizedTest
    @ValueSource(strings = {"full_forward", "full_forward_bang", "full_forward_step1x"})
    void caseMatchesEveryOutput(String name) throws Exception {
        ParityCase c = ParityCatalog.cases(TestPaths.parityDir()).stream()
                .filter(x -> x.set().equals("qwen25vl") && x.name().equals(name)).findFirst().orElseThrow();
        List<ParityRunner.Row> rows = new ParityRunner(EngineRuntime.startDefault(),
                Map.of(name, FullForwardParity.component())).runCase(c);
        new ParityRunner.Report(rows).print(System.out);
        assertThat(rows).extracting(ParityRunner.Row::tensor).containsExactlyInAnyOrderElementsOf(c.outputs().keySet());
        assertThat(rows).allSatisfy(r -> assertThat(r.status()).as(r.toString()).isEqualTo(ParityRunner.Status.PASS));
    }
}
