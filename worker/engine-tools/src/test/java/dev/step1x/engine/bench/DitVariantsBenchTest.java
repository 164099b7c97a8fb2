package dev.step1x.engine.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.step1x.engine.parity.ParityPaths;
import dev.step1x.engine.runtime.EngineRuntime;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The benchmark runs every variant on the tiny configuration (timings are not checked: machines are noisy). */
class DitVariantsBenchTest {

    @Test
    void everyVariantRunsAndIsReportedAgainstThePlainStep() throws Exception {
        DitVariantsBench.Config tiny = DitVariantsBench.Config.fromBenchConfigs(ParityPaths.defaultBenchConfigs(), "tiny");
        assertThat(tiny.dit().hiddenSize()).isEqualTo(64);
        assertThat(tiny.latentH()).isEqualTo(8);
        DitVariantsBench.Config small = DitVariantsBench.Config.fromBenchConfigs(ParityPaths.defaultBenchConfigs(), "small");
        assertThat(small.dit().hiddenSize()).isEqualTo(512);
        assertThat(small.txtLen()).isEqualTo(64);
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        List<DitVariantsBench.Row> rows = new DitVariantsBench(EngineRuntime.startDefault(), 1,
                new PrintStream(buf, true, StandardCharsets.UTF_8)).run(tiny, new int[] {4, 8}, true, true, true);
        System.out.print(buf.toString(StandardCharsets.UTF_8));
        assertThat(rows).extracting(DitVariantsBench.Row::variant).containsExactly("plain (= LoRA merged at load)",
                "plain, 2 requests", "LoRA unmerged, rank 4, every request", "LoRA unmerged, rank 4, 1 of 2 requests",
                "LoRA unmerged, rank 8, every request", "LoRA unmerged, rank 8, 1 of 2 requests",
                "FP8 weights (decoded per layer)", "blocks offloaded (a copy per block per forward)", "FP8 + blocks offloaded");
        assertThat(rows).allSatisfy(r -> assertThat(r.medianMs()).isPositive());
        assertThat(rows.get(0).vsPlain()).isEqualTo(1.0);
        assertThat(buf.toString(StandardCharsets.UTF_8)).contains("x plain").contains("config tiny");
    }
}
