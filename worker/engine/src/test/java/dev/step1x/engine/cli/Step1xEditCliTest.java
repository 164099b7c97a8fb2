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
        // every Step1X-Edit case has its component (issue 3)
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
        assertThat(badDtype.err()).contains("dtype 'bf16' is not one of: auto, fp32, fp16");
    }

    @Test
    void attentionBenchTimesBothPrecisionsChunkedAndUnchunked() {
        Result r = run("bench", "--attention", "--batch", "1", "--heads", "2", "--tokens", "300", "--head-dim", "16",
                "--iterations", "1");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("TFLOP/s").containsPattern("fp32 +all 300 +\\d")
                .containsPattern("fp16 +\\d+ \\(32 MiB scores\\) +\\d");
    }

    @Test
    void usageErrorsExitTwoAndSayWhy() {
        assertThat(run().code()).isEqualTo(2);
        Result unknown = run("parity", "--frobnicate");
        assertThat(unknown.code()).isEqualTo(2);
        assertThat(unknown.err()).contains("unknown option '--frobnicate'").contains("usage:");
        Result noValue = run("parity", "--dir");
        assertThat(noValue.err()).contains("--dir needs a value");
        Result badDevice = run("info", "--device", "tpu:0");
        assertThat(badDevice.code()).isEqualTo(2);
        assertThat(badDevice.err()).contains("device 'tpu:0'");
        Result noDir = run("parity", "--dir", "/nonexistent/parity");
        assertThat(noDir.code()).isEqualTo(2);
        assertThat(noDir.err()).contains("/nonexistent/parity does not exist");
        assertThat(run("bake").err()).contains("unknown command 'bake'");
        Result both = run("bench", "--full-size-random", "--model", "/tmp/x");
        assertThat(both.code()).isEqualTo(2);
        assertThat(both.err()).contains("--full-size-random and --model exclude each other");
        Result level = run("bench", "--full-size-random", "--size-levels", "512,10");
        assertThat(level.code()).isEqualTo(2);
        assertThat(level.err()).contains("--size-levels values must be in [64, 2048], got 10");
        Result batches = run("bench", "--full-size-random", "--batches", "1,two");
        assertThat(batches.err()).contains("--batches needs integers like 1,2,4, got 'two'");
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
}
