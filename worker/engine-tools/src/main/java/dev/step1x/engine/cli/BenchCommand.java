package dev.step1x.engine.cli;

import dev.step1x.engine.ModelVersion;
import dev.step1x.engine.parity.ParityPaths;
import dev.step1x.engine.pipeline.EditInput;
import dev.step1x.engine.pipeline.ModelDirectory;
import dev.step1x.engine.pipeline.RandomModel;
import dev.step1x.engine.pipeline.Step1XEditPipeline;
import dev.step1x.engine.nn.fused.FusedOpsBench;
import dev.step1x.engine.dit.Step1XEdit;
import dev.step1x.engine.runtime.EngineRuntime;
import dev.step1x.engine.tokenizer.TestTokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code step1x-edit bench}: five benchmarks, chosen by --model, --full-size-random, --attention, --dit-variants or
 * none of them.
 */
@Command(name = "bench", sortOptions = false,
        header = "Benchmarks: components on random weights, whole edits on a model, full-size random, attention, "
                + "DiT variants.",
        customSynopsis = {
            "step1x-edit bench [--config NAME|all] [--configs FILE] [--official-times FILE] [--iterations N]",
            "       step1x-edit bench --model DIR [--qwen-dir DIR] [--batches 1,2,4] [--size-level N] [--steps N]",
            "                         [--version v1.1|v1.0] [--qwen-offload] [--lora FILE[:MULT]]... [--fp8]",
            "                         [--dit-offload]",
            "       step1x-edit bench --full-size-random [--size-levels 512,768,1024] [--batches 1,2,4] [--steps N]",
            "                         [--version v1.1|v1.0] [--tokenizer FILE] [--blocks N] [--qwen-offload] [--fp8]",
            "                         [--dit-offload] [--lora-rank R]",
            "       step1x-edit bench --attention [--batch N] [--heads N] [--tokens N] [--head-dim N] [--iterations N]",
            "       step1x-edit bench --dit-variants [--config NAME] [--lora-ranks 16,64] [--iterations N]",
            "       (and the common options)"},
        description = {
            "Without a mode: ms per component (connector, DiT forward, VAE encode/decode, sampler step, Qwen vision",
            "and decoder) at float32 on random weights, for the configurations of worker/engine-tools/bench/configs.json,",
            "then the official code's CPU times of official-cpu-times.json, each labelled with its date and host.",
            "--model: whole edits on a model directory, s/edit and ms per stage per batch size.",
            "--full-size-random: whole edits on random weights of the official shapes (12B DiT, Qwen2.5-VL-7B, VAE)",
            "built on the device, next to the official H800 figures (needs ~45 GB: a GPU).",
            "--attention: attention alone at the DiT's shape (a 1024x1024 edit: 8832 tokens), composed and fused.",
            "--dit-variants: the sampler step's cost with unmerged LoRA adapters, FP8 weights and offloaded blocks.",
            ""})
final class BenchCommand implements Callable<Integer> {

    @ParentCommand
    Step1xEditCli cli;

    @Spec
    CommandSpec spec;

    // components (no mode)
    @Option(names = "--config", paramLabel = "NAME|all", defaultValue = "all",
            description = "Components: one configuration of the file, or all (default: ${DEFAULT-VALUE}).")
    String config;

    @Option(names = "--configs", paramLabel = "FILE",
            description = "Components: the configurations (default: worker/engine-tools/bench/configs.json).")
    Path configs;

    @Option(names = "--official-times", paramLabel = "FILE",
            description = "Components: the official code's CPU times (default: official-cpu-times.json beside the"
                    + " default configs.json).")
    Path officialTimes;

    @Option(names = "--iterations", paramLabel = "N", defaultValue = "5",
            description = "Components and --attention: timed runs after a warm-up (default: ${DEFAULT-VALUE}).")
    int iterations;

    @Option(names = "--compare-fused",
            description = "Components: time each one with the composed ops and with libtorch's fused kernels, "
                    + "in alternating order (two rows per component).")
    boolean compareFused;

    // --model
    @Option(names = "--model", paramLabel = "DIR", description = "Whole edits on this model directory.")
    Path model;

    @Option(names = "--qwen-dir", paramLabel = "DIR",
            description = "--model: the Qwen2.5-VL-7B-Instruct directory when it is not inside DIR (a plain "
                    + "directory, a Hugging Face cache entry models--Qwen--Qwen2.5-VL-7B-Instruct or a "
                    + "snapshot).")
    Path qwenDir;

    @Option(names = "--size-level", paramLabel = "N", defaultValue = "" + EditInput.DEFAULT_SIZE_LEVEL,
            description = "--model: size level, 64..2048 (default: ${DEFAULT-VALUE}, as edit).")
    int sizeLevel;

    // --full-size-random
    @Option(names = "--full-size-random", description = "Whole edits on random weights of the official shapes.")
    boolean fullSizeRandom;

    @Option(names = "--size-levels", paramLabel = "N", split = ",", defaultValue = "512,768,1024",
            description = "--full-size-random: size levels (default: ${DEFAULT-VALUE}).")
    List<Integer> sizeLevels;

    @Option(names = "--tokenizer", paramLabel = "FILE",
            description = "--full-size-random: Qwen tokenizer.json (default: the one bin/fetch-qwen-tokenizer installs).")
    Path tokenizer;

    @Option(names = "--blocks", paramLabel = "N",
            description = "--full-size-random: at most N blocks per stack (a smoke test of the full widths, not "
                    + "the model's timings).")
    Integer blocks;

    // --model and --full-size-random
    @Option(names = "--batches", paramLabel = "N", split = ",", defaultValue = "1,2,4",
            description = "--model, --full-size-random: batch sizes, 1..64 (default: ${DEFAULT-VALUE}).")
    List<Integer> batches;

    @Option(names = "--steps", paramLabel = "N", defaultValue = "28",
            description = "--model, --full-size-random: denoising steps, 1..100 (default: ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--version", paramLabel = "v1.1|v1.0", defaultValue = "v1.1",
            converter = CommonOptions.VersionConverter.class,
            description = "--model, --full-size-random: model version (default: ${DEFAULT-VALUE}).")
    ModelVersion version;

    @Option(names = "--qwen-offload",
            description = "--model, --full-size-random: keep Qwen's weights in host memory between encodings.")
    boolean qwenOffload;

    @Mixin
    DitFlags dit;

    @Option(names = "--lora-rank", paramLabel = "R",
            description = "--full-size-random: every request with a random per-request LoRA adapter of rank R "
                    + "(unmerged, on all 310 target layers), 1..1024.")
    Integer loraRank;

    // --dit-variants
    @Option(names = "--dit-variants",
            description = "One CFG sampler step of the --config DiT (default small) for each variant: plain, "
                    + "unmerged LoRA of each --lora-ranks (every request, and one of two), FP8, blocks offloaded, "
                    + "FP8 + offload; each as a multiple of the plain step, timed round-robin.")
    boolean ditVariants;

    @Option(names = "--lora-ranks", paramLabel = "R", split = ",", defaultValue = "16,64",
            description = "--dit-variants: adapter ranks (default: ${DEFAULT-VALUE}).")
    List<Integer> loraRanks;

    // --attention
    @Option(names = "--attention", description = "Attention alone, composed and fused, plus GroupNorm and the "
            + "per-call overhead of the fused route.")
    boolean attention;

    @Option(names = "--batch", paramLabel = "N", defaultValue = "2", description = "--attention: batch (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--heads", paramLabel = "N", defaultValue = "24", description = "--attention: heads (default: ${DEFAULT-VALUE}).")
    int heads;

    @Option(names = "--tokens", paramLabel = "N", defaultValue = "8832",
            description = "--attention: tokens (default: ${DEFAULT-VALUE}).")
    int tokens;

    @Option(names = "--head-dim", paramLabel = "N", defaultValue = "128",
            description = "--attention: head dim (default: ${DEFAULT-VALUE}).")
    int headDim;

    @Mixin
    CommonOptions common;

    private static final Set<String> COMMON = Set.of("--device", "--djl-cache", "--threads", "--dtype", "--fused-ops",
            "--help");
    private static final Set<String> COMPONENT_OPTIONS = Set.of("--config", "--configs", "--official-times",
            "--iterations", "--compare-fused");
    private static final Set<String> MODEL_OPTIONS = Set.of("--model", "--qwen-dir", "--batches", "--size-level",
            "--steps", "--version", "--qwen-offload", "--lora", "--fp8", "--quantized", "--fp8-overflow",
            "--dit-offload");
    private static final Set<String> FULL_SIZE_OPTIONS = Set.of("--full-size-random", "--size-levels", "--batches",
            "--steps", "--version", "--tokenizer", "--blocks", "--qwen-offload", "--fp8", "--quantized",
            "--fp8-overflow", "--dit-offload", "--lora-rank");
    private static final Set<String> DIT_VARIANTS_OPTIONS = Set.of("--dit-variants", "--config", "--configs",
            "--lora-ranks", "--iterations");
    private static final Set<String> ATTENTION_OPTIONS = Set.of("--attention", "--batch", "--heads", "--tokens",
            "--head-dim", "--iterations");

    @Override
    public Integer call() throws IOException {
        List<String> modes = new ArrayList<>();
        if (attention) {
            modes.add("--attention");
        }
        if (fullSizeRandom) {
            modes.add("--full-size-random");
        }
        if (model != null) {
            modes.add("--model");
        }
        if (ditVariants) {
            modes.add("--dit-variants");
        }
        if (modes.size() > 1) {
            throw CommonOptions.usage(spec, String.join(modes.size() == 2 ? " and " : ", ", modes) + " exclude each other");
        }
        String mode = modes.isEmpty() ? null : modes.get(0);
        onlyOptionsOf(mode, mode == null ? COMPONENT_OPTIONS : switch (mode) {
            case "--attention" -> ATTENTION_OPTIONS;
            case "--full-size-random" -> FULL_SIZE_OPTIONS;
            case "--dit-variants" -> DIT_VARIANTS_OPTIONS;
            default -> MODEL_OPTIONS;
        });
        EngineRuntime.Options options = common.options(spec, qwenOffload);
        if (attention) {
            CommonOptions.range(spec, "--batch", batch, 1, 64);
            CommonOptions.range(spec, "--heads", heads, 1, 256);
            CommonOptions.range(spec, "--tokens", tokens, 1, 1 << 20);
            CommonOptions.range(spec, "--head-dim", headDim, 1, 1024);
            CommonOptions.range(spec, "--iterations", iterations, 1, 1000);
            EngineRuntime rt = EngineRuntime.start(options);
            FusedOpsBench.attention(rt, batch, heads, tokens, headDim, iterations, cli.out);
            FusedOpsBench.groupNorm(rt, iterations, cli.out);
            FusedOpsBench.callOverhead(rt, 2000, cli.out);
            return Step1xEditCli.OK;
        }
        if (fullSizeRandom) {
            CommonOptions.ranges(spec, "--batches", batches, 1, 64);
            CommonOptions.ranges(spec, "--size-levels", sizeLevels, 64, 2048);
            CommonOptions.range(spec, "--steps", steps, 1, 100);
            if (blocks != null) {
                CommonOptions.range(spec, "--blocks", blocks, 1, 1000);
            }
            Path tok = tokenizer != null ? tokenizer : TestTokenizer.path();
            RandomModel.Configs shapes = RandomModel.Configs.official();
            if (blocks != null) {
                shapes = shapes.withAtMostBlocks(blocks);
                cli.out.println("--blocks " + blocks + ": full widths, at most " + blocks
                        + " blocks per stack; NOT the model's timings");
            }
            EngineRuntime rt = EngineRuntime.start(options);
            dev.step1x.engine.dit.DitOptions ditOptions = dit.options();
            if (loraRank != null) {
                CommonOptions.range(spec, "--lora-rank", loraRank, 1, 1024);
                ditOptions = ditOptions.withAdapterCacheBytes(dev.step1x.engine.lora.AdapterCache.bytesForRank(
                        Step1XEdit.loraTargets(shapes.dit(), shapes.connector()), loraRank,
                        rt.precision().dataType()));
            }
            try (Step1XEditPipeline engine = RandomModel.open(rt, shapes, tok, ditOptions)) {
                var adapter = loraRank == null ? null : RandomModel.addRandomAdapter(engine, "bench-r" + loraRank, loraRank);
                EndToEndBench.runFullSize(engine, sizeLevels, steps, version, batches, adapter, cli.out);
            }
            return Step1xEditCli.OK;
        }
        if (ditVariants) {
            CommonOptions.range(spec, "--iterations", iterations, 1, 1000);
            CommonOptions.ranges(spec, "--lora-ranks", loraRanks, 1, 1024);
            Path configFile = configs != null ? configs : ParityPaths.defaultBenchConfigs();
            String name = config.equals("all") ? "small" : config;
            var c = dev.step1x.engine.bench.DitVariantsBench.Config.fromBenchConfigs(configFile, name);
            new dev.step1x.engine.bench.DitVariantsBench(EngineRuntime.start(options), iterations, cli.out)
                    .run(c, loraRanks.stream().mapToInt(Integer::intValue).toArray(), true, true, true);
            return Step1xEditCli.OK;
        }
        if (model != null) {
            CommonOptions.ranges(spec, "--batches", batches, 1, 64);
            CommonOptions.range(spec, "--size-level", sizeLevel, 64, 2048);
            CommonOptions.range(spec, "--steps", steps, 1, 100);
            ModelDirectory dir;
            try {
                dir = ModelDirectory.open(model, qwenDir);
            } catch (ModelDirectory.InvalidModelDirectoryException e) {
                throw new Step1xEditCli.InputException(e.getMessage(), e);
            }
            try (Step1XEditPipeline engine = Step1XEditPipeline.open(dir, options, dit.options())) {
                EndToEndBench.run(engine, sizeLevel, steps, version, batches, cli.out);
            } catch (dev.step1x.engine.lora.LoraMismatchException e) {
                throw new Step1xEditCli.InputException(e.getMessage(), e);
            }
            return Step1xEditCli.OK;
        }
        CommonOptions.range(spec, "--iterations", iterations, 1, 1000);
        Path configFile = configs;
        if (configFile == null) {
            try {
                configFile = ParityPaths.defaultBenchConfigs();
            } catch (IllegalStateException e) {
                throw new Step1xEditCli.InputException("no --configs given and " + e.getMessage());
            }
        }
        List<Bench.Config> all;
        try {
            all = BenchConfigs.read(configFile);
        } catch (NoSuchFileException e) {
            throw new Step1xEditCli.InputException("bench configurations " + configFile + " do not exist (use --configs)");
        } catch (IllegalArgumentException e) { // InvalidConfigException: names the file and field
            throw new Step1xEditCli.InputException(e.getMessage(), e);
        }
        List<Bench.Config> chosen = config.equals("all") ? all
                : all.stream().filter(c -> c.name().equals(config)).toList();
        if (chosen.isEmpty()) {
            throw CommonOptions.usage(spec, "--config must be all or one of " + all.stream().map(Bench.Config::name).toList()
                    + " (from " + configFile + "), got '" + config + "'");
        }
        OfficialCpuTimes official = null;
        Path timesFile = officialTimes;
        if (timesFile == null) {
            try {
                timesFile = ParityPaths.defaultBenchConfigs().resolveSibling("official-cpu-times.json");
            } catch (IllegalStateException e) {
                timesFile = null; // outside the repository: no official figures unless given
            }
        }
        if (timesFile != null && (officialTimes != null || Files.exists(timesFile))) {
            try {
                official = OfficialCpuTimes.read(timesFile);
            } catch (NoSuchFileException e) {
                throw new Step1xEditCli.InputException("official times " + timesFile + " do not exist");
            } catch (IllegalArgumentException e) { // InvalidConfigException: names the file and field
                throw new Step1xEditCli.InputException(e.getMessage(), e);
            }
        }
        new Bench(EngineRuntime.start(options), iterations, compareFused, cli.out).run(chosen, official);
        return Step1xEditCli.OK;
    }

    /** Rejects options of the other benchmarks (they would be ignored silently). */
    private void onlyOptionsOf(String mode, Set<String> allowed) {
        for (OptionSpec o : spec.commandLine().getParseResult().matchedOptions()) {
            String name = o.longestName();
            if (!allowed.contains(name) && !COMMON.contains(name)) {
                throw CommonOptions.usage(spec, name + " does not apply to "
                        + (mode == null ? "the component bench (it needs --model, --full-size-random or --attention)"
                                : "bench " + mode));
            }
        }
    }
}
