package dev.step1x.engine.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.step1x.engine.parity.ParityPaths;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class Step1xEditCliTest {

    private record Result(int code, String out, String err) {}

    private static Result run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Step1xEditCli.run(List.of(args), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void parityPrintsTheTableAndSucceedsWhileNothingFails() {
        String dir = ParityPaths.defaultParityDir().toString();
        Result r = run("parity", "--dir", dir);
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("case").contains("tolerance").contains("weights step1x/vae.safetensors")
                .containsPattern("\\d+ passed, 0 failed, \\d+ not implemented");
        // every Step1X-Edit case has its component
        assertThat(r.out().lines().filter(l -> l.startsWith("step1x/"))).isNotEmpty()
                .allSatisfy(l -> assertThat(l).endsWith("PASS"));
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d+) not implemented").matcher(r.out());
        assertThat(m.find()).isTrue();
        int notImplemented = Integer.parseInt(m.group(1));
        Result strict = run("parity", "--dir", dir, "--strict");
        assertThat(strict.code()).isEqualTo(notImplemented > 0 ? 1 : 0);
    }

    @Test
    void parityAtFloat16RunsTheChosenCasesAgainstTheFloat16Tolerances() {
        String dir = ParityPaths.defaultParityDir().toString();
        Result r = run("parity", "--dir", dir, "--dtype", "fp16", "--cases", "dit_forward,connector_forward");
        assertThat(r.code()).as(r.out() + r.err()).isZero();
        assertThat(r.out()).contains("compute fp16").contains("step1x/dit_forward ").contains("atol 1e-02 rtol 1e-02")
                .doesNotContain("weights step1x").doesNotContain("vae_roundtrip").contains("3 passed, 0 failed");
        Result unknownCase = run("parity", "--dir", dir, "--cases", "dit_forwrd");
        assertThat(unknownCase.code()).isEqualTo(2);
        assertThat(unknownCase.err()).contains("no parity case [dit_forwrd]").contains("dit_forward");
        Result badDtype = run("parity", "--dir", dir, "--dtype", "bf16");
        assertThat(badDtype.code()).isEqualTo(2);
        assertThat(badDtype.err()).contains("--dtype").contains("expected one of [auto, fp32, fp16]").contains("'bf16'");
    }

    @Test
    void attentionBenchTimesComposedAndFusedInBothPrecisions() {
        Result r = run("bench", "--attention", "--batch", "1", "--heads", "2", "--tokens", "300", "--head-dim", "16",
                "--iterations", "1");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("TFLOP/s").containsPattern("fp32 +composed, unchunked +\\d")
                .containsPattern("fp32 +composed, \\d+ queries per block \\(32 MiB\\) +\\d")
                .containsPattern("fp16 +fused \\(\\w+\\) +\\d").contains("group_norm (fp32)");
        Result badMode = run("bench", "--attention", "--fused-ops", "flash");
        assertThat(badMode.code()).isEqualTo(2);
        assertThat(badMode.err()).contains("--fused-ops").contains("auto, fused, composed");
    }

    @Test
    void usageErrorsExitTwoAndSayWhy() {
        Result none = run();
        assertThat(none.code()).isEqualTo(2);
        assertThat(none.err()).contains("Usage: step1x-edit").contains("Commands:");
        Result unknown = run("parity", "--frobnicate");
        assertThat(unknown.code()).isEqualTo(2);
        assertThat(unknown.err()).contains("Unknown option: '--frobnicate'").contains("Usage: step1x-edit parity")
                .contains("Try 'step1x-edit parity --help'");
        Result noValue = run("parity", "--dir");
        assertThat(noValue.code()).isEqualTo(2);
        assertThat(noValue.err()).contains("Missing required parameter for option '--dir'");
        Result badDevice = run("info", "--device", "tpu:0");
        assertThat(badDevice.code()).isEqualTo(2);
        assertThat(badDevice.err()).contains("device 'tpu:0'");
        Result noDir = run("parity", "--dir", "/nonexistent/parity");
        assertThat(noDir.code()).isEqualTo(2);
        assertThat(noDir.err()).contains("/nonexistent/parity does not exist");
        Result bake = run("bake");
        assertThat(bake.code()).isEqualTo(2);
        assertThat(bake.err()).contains("unknown command 'bake'");
        Result both = run("bench", "--full-size-random", "--model", "/tmp/x");
        assertThat(both.code()).isEqualTo(2);
        assertThat(both.err()).contains("--full-size-random and --model exclude each other");
        Result level = run("bench", "--full-size-random", "--size-levels", "512,10");
        assertThat(level.code()).isEqualTo(2);
        assertThat(level.err()).contains("--size-levels values must be in [64, 2048], got 10");
        Result batches = run("bench", "--full-size-random", "--batches", "1,two");
        assertThat(batches.code()).isEqualTo(2);
        assertThat(batches.err()).contains("--batches").contains("'two' is not an int");
        Result wrongMode = run("bench", "--batches", "1,2");
        assertThat(wrongMode.code()).isEqualTo(2);
        assertThat(wrongMode.err()).contains("--batches does not apply to the component bench");
        Result threads = run("info", "--threads", "0");
        assertThat(threads.code()).isEqualTo(2);
        assertThat(threads.err()).contains("--threads must be in 1..1024, got 0");
        Result iterations = run("bench", "--iterations", "0");
        assertThat(iterations.code()).isEqualTo(2);
        assertThat(iterations.err()).contains("--iterations must be in 1..1000, got 0");
        Result size = run("demo-model", "--out", "/tmp/x", "--size", "huge");
        assertThat(size.code()).isEqualTo(2);
        assertThat(size.err()).contains("--size").contains("expected one of [tiny, small]").contains("'huge'");
        Result notANumber = run("bench", "--attention", "--heads", "many");
        assertThat(notANumber.code()).isEqualTo(2);
        assertThat(notANumber.err()).contains("--heads").contains("'many' is not an int");
        Result twice = run("info", "--threads", "2", "--threads", "3");
        assertThat(twice.code()).isEqualTo(2);
        assertThat(twice.err()).contains("should be specified only once");
        Result missing = run("demo-model");
        assertThat(missing.code()).isEqualTo(2);
        assertThat(missing.err()).contains("Missing required option: '--out=DIR'");
    }

    @Test
    void everyCommandHasHelpOnStdoutWithExitZero() {
        Result top = run("--help");
        assertThat(top.code()).isZero();
        assertThat(top.out()).contains("edit").contains("demo-model").contains("parity").contains("bench")
                .contains("info").contains("Exit codes: 0 success, 1").contains("3 the engine or device is unavailable");
        assertThat(run("help").out()).isEqualTo(top.out());
        for (String command : List.of("edit", "demo-model", "parity", "bench", "info")) {
            for (String flag : List.of("--help", "-h")) {
                Result r = run(command, flag);
                assertThat(r.code()).as(command + " " + flag).isZero();
                assertThat(r.out()).as(command).contains("Usage: step1x-edit " + command).contains("--device")
                        .contains("--dtype").contains("--threads").contains("--djl-cache").doesNotContain("shared/");
                assertThat(r.err()).isEmpty();
            }
            assertThat(run("help", command).out()).isEqualTo(run(command, "--help").out());
        }
        assertThat(run("parity", "--help").out()).contains("--dir").contains("worker/engine/parity");
        assertThat(run("edit", "--help").out()).contains("--qwen-dir").contains("--input-dir").contains("--prompts")
                .contains("--output-dir").contains("--batch").contains("--format").contains("--qwen-offload")
                .contains("(default: 1024, the value of the");
        assertThat(run("bench", "--help").out()).contains("--configs").contains("--qwen-dir")
                .contains("--full-size-random").contains("--attention").contains("--qwen-offload");
    }

    @Test
    void infoReportsTheEngineAndAGpuRequestFailsClearly() {
        Result info = run("info");
        assertThat(info.code()).isZero();
        assertThat(info.out()).contains("PyTorch").contains("pytorch-native-cpu");
        Result gpu = run("info", "--device", "gpu");
        assertThat(gpu.code()).isEqualTo(3);
        assertThat(gpu.err()).contains("CPU build");
    }

    @Test
    void sizingPrintsTheBatchCapsOfEveryDitVariantAndTheOfficialComparison() {
        Result r = run("sizing");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("DiT fp16:").contains("DiT fp8:").contains("DiT fp16, blocks offloaded:")
                .contains("DiT fp8, blocks offloaded:").contains("141 GB (H200)").contains("| 80 GB (H100, A100 80GB) |");
        // v1.0 has no FP8 official figures of its own; the command still answers for it
        assertThat(run("sizing", "--version", "v1.0").code()).isZero();
        assertThat(run("sizing", "--help").out()).contains("Usage: step1x-edit sizing").contains("--steps");
        Result bad = run("sizing", "--version", "v2");
        assertThat(bad.code()).isEqualTo(2);
        assertThat(bad.err()).contains("v2");
    }
}
