package dev.step1x.engine.cli;

import dev.step1x.engine.ModelVersion;
import dev.step1x.engine.nn.Precision;
import dev.step1x.engine.parity.ParityComponents;
import dev.step1x.engine.parity.ParityPaths;
import dev.step1x.engine.parity.ParityRunner;
import dev.step1x.engine.runtime.EngineBuildInfo;
import dev.step1x.engine.runtime.EngineRuntime;
import dev.step1x.engine.runtime.EngineUnavailableException;
import dev.step1x.engine.pipeline.RandomModel;
import dev.step1x.engine.pipeline.Step1XEditPipeline;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code step1x-edit <command> [options]}: the engine's command line (see {@code bin/step1x-edit}).
 * Exit codes: 0 success, 1 a check or the command failed, 2 bad usage or input, 3 the engine or device is unavailable.
 */
public final class Step1xEditCli {

    static final String USAGE = """
            usage: step1x-edit <command> [options]

            commands:
              parity   run the golden parity sets and print a table (case, tensor, max abs diff, tolerance, status)
                         --dir DIR     parity directory (default: ../shared/parity beside the repository)
                         --cases A,B   only these cases (default: every case and the weight checks)
                                       (with --dtype fp16, or auto on a GPU: the float16 tolerances, README "GPU")
                         --strict      also fail when a case is NOT IMPLEMENTED
              bench    ms per component (connector, DiT forward, VAE encode/decode, sampler step, Qwen vision
                       and decoder) at float32 on random weights
                         --config tiny|small|all (default all)   --iterations N (default 5)
                       or whole edits on a model directory, s/edit and ms per stage per batch size:
                         --model DIR [--batches 1,2,4] [--size-level 512] [--steps 28] [--version v1.1]
                       or whole edits on random weights of the official shapes (12B DiT, Qwen2.5-VL-7B, VAE),
                       built on the device, next to the official H800 figures (needs ~45 GB: a GPU):
                         --full-size-random [--size-levels 512,768,1024] [--batches 1,2,4] [--steps 28]
                         [--version v1.1] [--tokenizer FILE] [--blocks N (at most N blocks per stack: a smoke
                         test of the full widths, not the model's timings)]
                       or the composed attention alone at the DiT's shape (a 1024² edit: 8832 tokens):
                         --attention [--batch 2] [--heads 24] [--tokens 8832] [--head-dim 128] [--iterations 5]
              demo-model  write a tiny demo model in the official layout (random weights: meaningless pictures)
                         --out DIR     where to write it   --tokenizer FILE  Qwen tokenizer.json (default: the npm one)
                         --size tiny|small   tiny = the parity configuration, small = the bench's (default tiny)
              edit     edit one image (IN: PNG, JPEG or WebP, edited as displayed: EXIF orientation applied)
                         --model DIR --image IN --instruction TEXT --out OUT.png|.jpg
                         [--negative TEXT] [--size-level 512] [--steps 28] [--guidance 6.0] [--seed N]
                         [--version v1.1|v1.0] [--max-pixels 50000000]
              info     start the engine and print versions and the device
              help     this text

            common options:
              --device cpu|gpu|gpu:N   compute device (default cpu)
              --djl-cache DIR          where DJL extracts libtorch (default ~/.djl.ai or $DJL_CACHE_DIR)
              --threads N              libtorch intra-op threads
              --dtype auto|fp32|fp16   compute type of the DiT, connector and Qwen (auto: fp16 on a GPU, fp32 on
                                       the CPU); the VAE always computes in float32
              --qwen-offload           (bench --model, edit) keep Qwen's weights in host memory between encodings
            """;

    private Step1xEditCli() {}

    public static void main(String[] args) {
        System.exit(run(List.of(args), System.out, System.err));
    }

    /** A comma-separated list of integers in [min, max]. */
    static List<Integer> integers(CliOptions o, String name, String fallback, int min, int max)
            throws CliOptions.UsageException {
        List<Integer> values = new java.util.ArrayList<>();
        for (String b : o.string(name, fallback).split(",")) {
            int v;
            try {
                v = Integer.parseInt(b.trim());
            } catch (NumberFormatException e) {
                throw new CliOptions.UsageException(name + " needs integers like " + fallback + ", got '" + b + "'");
            }
            if (v < min || v > max) {
                throw new CliOptions.UsageException(name + " values must be in [" + min + ", " + max + "], got " + v);
            }
            values.add(v);
        }
        return values;
    }

    static ModelVersion version(CliOptions o) throws CliOptions.UsageException {
        try {
            return ModelVersion.parse(o.string("--version", "v1.1"));
        } catch (IllegalArgumentException e) {
            throw new CliOptions.UsageException("--version: " + e.getMessage());
        }
    }

    static final Set<String> COMMON = Set.of("--device", "--djl-cache", "--threads", "--dtype");
    static final Map<String, Set<String>> VALUE_OPTIONS = Map.of(
            "parity", Set.of("--dir", "--cases"),
            "bench", Set.of("--config", "--iterations", "--model", "--size-level", "--steps", "--batches", "--version",
                    "--size-levels", "--tokenizer", "--blocks", "--batch", "--heads", "--tokens", "--head-dim"),
            "info", Set.of(),
            "demo-model", Set.of("--out", "--tokenizer", "--size"),
            "edit", Set.of("--model", "--image", "--instruction", "--negative", "--out", "--size-level", "--steps",
                    "--guidance", "--seed", "--version", "--max-pixels"));
    static final Map<String, Set<String>> FLAG_OPTIONS = Map.of("parity", Set.of("--strict"),
            "bench", Set.of("--qwen-offload", "--full-size-random", "--attention"), "edit", Set.of("--qwen-offload"));

    /** Runs a command and returns its exit code (never calls System.exit, so tests can call it). */
    public static int run(List<String> argList, PrintStream out, PrintStream err) {
        if (argList.isEmpty()) {
            err.print(USAGE);
            return 2;
        }
        String command = argList.get(0);
        if (List.of("help", "--help", "-h").contains(command)) {
            out.print(USAGE);
            return 0;
        }
        if (!VALUE_OPTIONS.containsKey(command)) {
            err.println("step1x-edit: unknown command '" + command + "'");
            err.print(USAGE);
            return 2;
        }
        CliOptions o;
        EngineRuntime.Options options;
        try {
            Set<String> values = new java.util.HashSet<>(COMMON);
            values.addAll(VALUE_OPTIONS.get(command));
            o = CliOptions.parse(argList.subList(1, argList.size()), values, FLAG_OPTIONS.getOrDefault(command, Set.of()));
            String device = o.string("--device", "cpu");
            // reject a bad device or dtype before starting anything
            String dtype = o.string("--dtype", "auto");
            EngineRuntime.parsePrecision(dtype, EngineRuntime.parseDevice(device));
            options = new EngineRuntime.Options(device, o.path("--djl-cache", null), o.integer("--threads", null, 1, 1024),
                    dtype, o.flag("--qwen-offload"));
        } catch (CliOptions.UsageException | IllegalArgumentException e) {
            err.println("step1x-edit: " + e.getMessage());
            err.print(USAGE);
            return 2;
        }
        try {
            return switch (command) {
                case "info" -> {
                    EngineRuntime rt = EngineRuntime.start(options);
                    out.println(rt.describe());
                    out.println("expects natives " + EngineBuildInfo.current().nativeCoordinates());
                    yield 0;
                }
                case "bench" -> {
                    if (o.flag("--attention")) {
                        int batch = o.integer("--batch", 2, 1, 64);
                        int heads = o.integer("--heads", 24, 1, 256);
                        int tokens = o.integer("--tokens", 8832, 1, 1 << 20);
                        int headDim = o.integer("--head-dim", 128, 1, 1024);
                        int iterations = o.integer("--iterations", 5, 1, 1000);
                        AttentionBench.run(EngineRuntime.start(options), batch, heads, tokens, headDim, iterations, out);
                        yield 0;
                    }
                    if (o.flag("--full-size-random")) {
                        if (o.string("--model", null) != null) {
                            throw new CliOptions.UsageException("--full-size-random and --model exclude each other");
                        }
                        List<Integer> batches = integers(o, "--batches", "1,2,4", 1, 64);
                        List<Integer> levels = integers(o, "--size-levels", "512,768,1024", 64, 2048);
                        ModelVersion version = version(o);
                        int steps = o.integer("--steps", 28, 1, 100);
                        Integer blocks = o.integer("--blocks", null, 1, 1000);
                        Path tokenizer = o.path("--tokenizer", null);
                        if (tokenizer == null) {
                            tokenizer = dev.step1x.engine.tokenizer.QwenTokenizer.defaultTestTokenizerPath();
                        }
                        RandomModel.Configs configs = RandomModel.Configs.official();
                        if (blocks != null) {
                            configs = configs.withAtMostBlocks(blocks);
                            out.println("--blocks " + blocks + ": full widths, at most " + blocks
                                    + " blocks per stack; NOT the model's timings");
                        }
                        EngineRuntime rt = EngineRuntime.start(options);
                        try (Step1XEditPipeline engine = RandomModel.open(rt, configs, tokenizer)) {
                            EndToEndBench.runFullSize(engine, levels, steps, version, batches, out);
                        }
                        yield 0;
                    }
                    if (o.string("--model", null) != null) {
                        List<Integer> batches = integers(o, "--batches", "1,2,4", 1, 64);
                        ModelVersion version = version(o);
                        try (Step1XEditPipeline engine = Step1XEditPipeline.open(Path.of(o.string("--model", null)), options)) {
                            EndToEndBench.run(engine, o.integer("--size-level", 512, 64, 2048),
                                    o.integer("--steps", 28, 1, 100), version, batches, out);
                        }
                        yield 0;
                    }
                    String config = o.string("--config", "all");
                    if (!List.of("tiny", "small", "all").contains(config)) {
                        throw new CliOptions.UsageException("--config must be tiny, small or all, got '" + config + "'");
                    }
                    int iterations = o.integer("--iterations", 5, 1, 1000);
                    EngineRuntime rt = EngineRuntime.start(options);
                    List<Bench.Config> configs = switch (config) {
                        case "tiny" -> List.of(Bench.TINY);
                        case "small" -> List.of(Bench.SMALL);
                        default -> List.of(Bench.TINY, Bench.SMALL);
                    };
                    new Bench(rt, iterations, out).run(configs);
                    yield 0;
                }
                case "parity" -> {
                    Path parityDir = o.path("--dir", null);
                    if (parityDir == null) {
                        parityDir = ParityPaths.defaultParityDir();
                    }
                    if (!Files.isDirectory(parityDir)) {
                        err.println("step1x-edit: parity directory " + parityDir + " does not exist (use --dir)");
                        yield 2;
                    }
                    Set<String> cases = new java.util.LinkedHashSet<>();
                    for (String c : o.string("--cases", "").split(",")) {
                        if (!c.isBlank()) {
                            cases.add(c.trim());
                        }
                    }
                    EngineRuntime rt = EngineRuntime.start(options);
                    Precision precision = rt.precision();
                    out.println("parity sets in " + parityDir.toAbsolutePath().normalize() + "; " + rt.describe());
                    ParityRunner.Report report;
                    try {
                        report = new ParityRunner(rt, ParityComponents.registered(), precision).run(parityDir, cases);
                    } catch (IllegalArgumentException e) {
                        throw new CliOptions.UsageException("--cases: " + e.getMessage());
                    }
                    report.print(out);
                    boolean fail = report.failed()
                            || (o.flag("--strict") && report.count(ParityRunner.Status.NOT_IMPLEMENTED) > 0);
                    yield fail ? 1 : 0;
                }
                case "demo-model" -> EditCommands.demoModel(o, options, out, err);
                case "edit" -> EditCommands.edit(o, options, out, err);
                default -> throw new IllegalStateException(command);
            };
        } catch (CliOptions.UsageException e) {
            err.println("step1x-edit: " + e.getMessage());
            err.print(USAGE);
            return 2;
        } catch (EngineUnavailableException e) {
            err.println("step1x-edit: " + e.getMessage());
            return 3;
        } catch (Exception e) {
            err.println("step1x-edit: " + command + " failed: " + e.getMessage());
            return 1;
        }
    }
}
