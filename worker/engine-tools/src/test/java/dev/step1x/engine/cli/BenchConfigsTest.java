package dev.step1x.engine.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.step1x.engine.InvalidConfigException;
import dev.step1x.engine.connector.Qwen2ConnectorConfig;
import dev.step1x.engine.dit.Step1XParams;
import dev.step1x.engine.parity.ParityPaths;
import dev.step1x.engine.vae.AutoEncoderParams;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The bench's configurations and the official CPU times come from the repository's files, with their dates. */
class BenchConfigsTest {

    @TempDir
    Path tmp;

    private record Result(int code, String out, String err) {}

    private static Result run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Step1xEditCli.run(List.of(args), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void theRepositoryFileHoldsTheTinyAndSmallConfigurations() throws Exception {
        List<Bench.Config> configs = BenchConfigs.read(ParityPaths.defaultBenchConfigs());
        assertThat(configs).extracting(Bench.Config::name).containsExactly("tiny", "small");
        Bench.Config tiny = configs.get(0);
        // the values the bench hard-coded before it read the file
        assertThat(tiny.dit()).isEqualTo(new Step1XParams(64, 64, 768, 128, 64, 4.0, 2, 2, 2, List.of(8, 12, 12), 10000,
                true));
        assertThat(tiny.connector()).isEqualTo(new Qwen2ConnectorConfig(40, 128, 2, 2, false));
        assertThat(tiny.ae()).isEqualTo(new AutoEncoderParams(256, 3, 32, 3, List.of(1, 2, 4, 4), 1, 16, 0.3611, 0.1159));
        assertThat(List.of(tiny.batch(), tiny.latentH(), tiny.latentW(), tiny.txtLen(), tiny.encodeH(), tiny.encodeW(),
                tiny.decodeH(), tiny.decodeW())).containsExactly(2, 8, 12, 7, 64, 96, 8, 12);
        assertThat(tiny.txtValid()).containsExactly(7, 4);
        assertThat(tiny.qwen().hiddenSize()).isEqualTo(40);
        Bench.Config small = configs.get(1);
        assertThat(small.dit()).isEqualTo(new Step1XParams(64, 64, 768, 512, 512, 4.0, 8, 4, 8, List.of(16, 24, 24),
                10000, true));
        assertThat(small.ae().ch()).isEqualTo(64);
        assertThat(small.ae().numResBlocks()).isEqualTo(2);
        assertThat(List.of(small.latentH(), small.latentW(), small.txtLen(), small.encodeH(), small.decodeH()))
                .containsExactly(64, 64, 64, 256, 32);
        assertThat(small.txtValid()).containsExactly(64, 24);
        assertThat(small.qwen().hiddenSize()).isEqualTo(512);
    }

    @Test
    void aBadConfigurationNamesTheFileAndTheField() throws Exception {
        String good = Files.readString(ParityPaths.defaultBenchConfigs());
        Path noDepth = Files.writeString(tmp.resolve("a.json"), good.replaceFirst("\"depth\": 2, ", ""));
        assertThatThrownBy(() -> BenchConfigs.read(noDepth)).isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("a.json").hasMessageContaining("tiny.dit.depth: missing (required)");
        Path odd = Files.writeString(tmp.resolve("b.json"), good.replaceFirst("\"batch\": 2", "\"batch\": 3"));
        assertThatThrownBy(() -> BenchConfigs.read(odd)).hasMessageContaining("tiny.dit_forward.batch: 3 is odd");
        Path hw = Files.writeString(tmp.resolve("c.json"), good.replaceFirst("\"encode_image_hw\": \\[64, 96\\]",
                "\"encode_image_hw\": [64]"));
        assertThatThrownBy(() -> BenchConfigs.read(hw)).hasMessageContaining("tiny.vae.encode_image_hw: expected 2 integers");

        Result cli = run("bench", "--configs", noDepth.toString());
        assertThat(cli.code()).isEqualTo(2);
        assertThat(cli.err()).contains("tiny.dit.depth: missing (required)");
        Result notJson = run("bench", "--configs", Files.writeString(tmp.resolve("d.json"), "{").toString());
        assertThat(notJson.code()).isEqualTo(2);
        assertThat(notJson.err()).contains("d.json: not valid JSON");
        Result absent = run("bench", "--configs", tmp.resolve("none.json").toString());
        assertThat(absent.code()).isEqualTo(2);
        assertThat(absent.err()).contains("none.json do not exist");
        Result unknown = run("bench", "--config", "huge");
        assertThat(unknown.code()).isEqualTo(2);
        assertThat(unknown.err()).contains("--config must be all or one of [tiny, small]").contains("got 'huge'");
    }

    @Test
    void theOfficialTimesCarryTheirDateAndHost() throws Exception {
        OfficialCpuTimes times = OfficialCpuTimes.read(
                ParityPaths.defaultBenchConfigs().resolveSibling("official-cpu-times.json"));
        assertThat(times.sittings()).extracting(OfficialCpuTimes.Sitting::date).containsExactly("2026-11-27", "2026-12-02");
        OfficialCpuTimes.Sitting first = times.sittings().get(0);
        assertThat(first.host()).isEqualTo("a 2-core x86_64 cloud VM, PyTorch 1.13 + OpenBLAS, 2 threads");
        assertThat(first.gemmGflops()).isEqualTo(new OfficialCpuTimes.Range(148, 177));
        assertThat(first.ms().get("tiny")).isEqualTo(Map.of("dit_forward", new OfficialCpuTimes.Range(8.6, 8.6),
                "vae_encode", new OfficialCpuTimes.Range(10.2, 10.2), "vae_decode", new OfficialCpuTimes.Range(31.0, 31.0)));
        assertThat(first.ms().get("small").get("dit_forward")).isEqualTo(new OfficialCpuTimes.Range(9100, 9100));
        OfficialCpuTimes.Sitting second = times.sittings().get(1);
        assertThat(second.gemmGflops()).isEqualTo(new OfficialCpuTimes.Range(66, 79));
        assertThat(second.ms()).containsOnlyKeys("small");
        assertThat(second.ms().get("small")).isEqualTo(Map.of("dit_forward", new OfficialCpuTimes.Range(13280, 14010),
                "vae_encode", new OfficialCpuTimes.Range(990, 1090), "vae_decode", new OfficialCpuTimes.Range(2260, 2450)));

        // printed per sitting, with its date and host, only for the configurations that ran
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        List<Bench.Row> rows = List.of(new Bench.Row("small", "dit forward", "-", 7000, 6900, 1),
                new Bench.Row("small", "connector", "-", 5, 5, 0), new Bench.Row("tiny", "vae decode", "-", 62, 60, 0));
        times.print(rows, 150, new PrintStream(buf, true, StandardCharsets.UTF_8));
        String out = buf.toString(StandardCharsets.UTF_8);
        assertThat(out).contains("only figures from one sitting on one host compare")
                .contains("sitting of 2026-11-27 on a 2-core x86_64 cloud VM, PyTorch 1.13 + OpenBLAS, 2 threads; "
                        + "GEMM 148-177 GFLOP/s there, 150.0 in this run\n")
                .contains("sitting of 2026-12-02 on a slower 2-core x86_64 cloud VM").contains("GEMM 66-79 GFLOP/s there, "
                        + "150.0 in this run (outside that range: not the same host)")
                .containsPattern("small +dit forward +9100.0 +7000.0 +0.77x")
                .containsPattern("small +dit forward +13280.0-14010.0 +7000.0 +0.50-0.53x")
                .containsPattern("tiny +vae decode +31.0 +62.0 +2.00x").doesNotContain("connector");

        Path bad = Files.writeString(tmp.resolve("times.json"), Files.readString(
                ParityPaths.defaultBenchConfigs().resolveSibling("official-cpu-times.json")).replace("\"vae_encode\": 10.2",
                        "\"vae_encodes\": 10.2"));
        assertThatThrownBy(() -> OfficialCpuTimes.read(bad)).hasMessageContaining("sittings[0].ms.tiny.vae_encodes: not a "
                + "component the bench times");
    }

    @Test
    void theComponentBenchPrintsTheTableAndTheDatedOfficialFigures() {
        Result r = run("bench", "--config", "tiny", "--iterations", "1");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).containsPattern("tiny +dit forward +B=2 img 24\\+24 txt 7")
                .containsPattern("tiny +qwen decoder +520 tokens").doesNotContain("small ")
                .contains("sitting of 2026-11-27 on a 2-core x86_64 cloud VM, PyTorch 1.13 + OpenBLAS, 2 threads")
                .containsPattern("tiny +dit forward +8\\.6 ")
                // the 2026-12-02 sitting measured only "small": no block for it
                .doesNotContain("2026-12-02");
    }
}
