package dev.step1x.worker.engine;

import dev.step1x.engine.ModelVersion;
import dev.step1x.engine.dit.DitOptions;
import dev.step1x.engine.dit.Step1XEdit;
import dev.step1x.engine.lora.LoraFile;
import dev.step1x.engine.lora.LoraSpec;
import dev.step1x.engine.lora.LoraTargets;
import dev.step1x.engine.nn.fused.FusedOps;
import dev.step1x.engine.pipeline.EditEngine;
import dev.step1x.engine.pipeline.ModelDirectory;
import dev.step1x.engine.pipeline.Step1XEditPipeline;
import dev.step1x.engine.runtime.EngineBuildInfo;
import dev.step1x.engine.runtime.EngineRuntime;
import dev.step1x.engine.weights.Float8;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Checks the engine settings at start-up ({@link #check}, on the main thread: a bad setting stops the worker
 * before it joins the consumer group) and opens the engine they ask for ({@link #open}, on the inference
 * thread).
 * <ul>
 *   <li>{@code worker.engine.mode=model} (the default): {@code worker.engine.model-dir} must be set and must
 *       open as a {@link ModelDirectory} (with {@code worker.engine.qwen-dir} when Qwen2.5-VL lives
 *       elsewhere), and it must hold every version of {@code worker.engine.model-versions}.</li>
 *   <li>{@code worker.engine.mode=simulated}: the stand-in engine, only when asked for by name; its results
 *       carry {@code worker.simulated=true}.</li>
 * </ul>
 */
public final class EngineFactory {

    public static final String MODE = "worker.engine.mode";
    public static final String MODEL_DIR = "worker.engine.model-dir";
    public static final String QWEN_DIR = "worker.engine.qwen-dir";
    public static final String MODEL_VERSIONS = "worker.engine.model-versions";
    public static final String LORA_MERGED = "worker.engine.lora-merged";
    public static final String FP8_OVERFLOW = "worker.engine.fp8-overflow";
    /** The device named in results and metrics of the simulated engine. */
    public static final String SIMULATED_DEVICE = "cpu (simulated engine)";
    /** The device named in results of the simulated engine when its outputs vary per run. */
    public static final String SIMULATED_VARYING_DEVICE = "cpu (simulated engine, output varies per run)";

    /** The device a simulated worker names in its results. */
    public static String simulatedDevice(EngineSettings cfg) {
        return cfg.simulated().varyPerRun() ? SIMULATED_VARYING_DEVICE : SIMULATED_DEVICE;
    }

    /** What {@code worker.engine.mode} may say. */
    public enum Mode {
        MODEL, SIMULATED;

        public String wire() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * Checked settings: what to open and which version the warm-up batch uses.
     *
     * @param model         the opened (checked) model directory; {@code null} in simulated mode
     * @param warmupVersion the first configured version the model directory has (simulated: the first configured)
     */
    public record Setup(Mode mode, ModelDirectory model, ModelVersion warmupVersion, List<ModelVersion> versions) {

        public boolean simulated() {
            return mode == Mode.SIMULATED;
        }
    }

    /** The opened engine and whether it is the stand-in. */
    public record Opened(EditEngine engine, boolean simulated) {}

    private EngineFactory() {}

    /** Whether the settings ask for the simulated engine (nothing is checked). */
    public static boolean simulatedRequested(EngineSettings cfg) {
        return cfg.mode() != null && cfg.mode().trim().equalsIgnoreCase(Mode.SIMULATED.wire());
    }

    /** What results and metrics say about this worker running the engine of checked settings. */
    public static WorkerIdentity identity(Setup setup, EngineSettings cfg, String workerId) {
        String version = EngineBuildInfo.current().engineVersion();
        return new WorkerIdentity(workerId, setup.simulated() ? simulatedDevice(cfg) : cfg.device(),
                version == null || version.isBlank() ? "unknown" : version, setup.simulated());
    }

    /**
     * Checks the settings without loading any weights (the model directory's files and checkpoint headers are
     * read).
     *
     * @throws EngineConfigurationException naming the property that is wrong and what to set
     */
    public static Setup check(EngineSettings cfg) {
        Mode mode = mode(cfg.mode());
        List<ModelVersion> versions = versions(cfg.modelVersions());
        if (mode == Mode.SIMULATED) {
            return new Setup(mode, null, versions.get(0), versions);
        }
        if (blank(cfg.modelDir())) {
            throw new EngineConfigurationException(MODEL_DIR + " is not set: " + MODE + "=model (the default) needs the"
                    + " Step1X-Edit model directory",
                    "Set " + MODEL_DIR + "=/path/to/model (environment WORKER_ENGINE_MODELDIR) to the directory with "
                    + ModelDirectory.VAE + " and " + ModelDirectory.DIT_V11 + " and/or " + ModelDirectory.DIT_V10
                    + " (and " + ModelDirectory.QWEN_DIR + "/, or set " + QWEN_DIR + "), or set " + MODE
                    + "=simulated for the stand-in engine (tests and demos only: its outputs are not edits).");
        }
        try {
            EngineRuntime.parsePrecision(cfg.dtype(), EngineRuntime.parseDevice(cfg.device()));
        } catch (IllegalArgumentException e) {
            throw new EngineConfigurationException("worker.engine.device=" + cfg.device() + ", worker.engine.dtype="
                    + cfg.dtype() + ": " + e.getMessage(),
                    "Set worker.engine.device to cpu, gpu or gpu:N and worker.engine.dtype to auto, fp32 or fp16.", e);
        }
        try {
            FusedOps.Mode.parse(cfg.fusedOps());
        } catch (IllegalArgumentException e) {
            throw new EngineConfigurationException("worker.engine.fused-ops=" + cfg.fusedOps() + ": " + e.getMessage(),
                    "Set worker.engine.fused-ops to auto, fused or composed.", e);
        }
        Path root = Path.of(cfg.modelDir().trim());
        Path qwen = blank(cfg.qwenDir()) ? null : Path.of(cfg.qwenDir().trim());
        ModelDirectory dir;
        try {
            dir = ModelDirectory.open(root, qwen);
        } catch (ModelDirectory.InvalidModelDirectoryException e) {
            throw new EngineConfigurationException(MODEL_DIR + "=" + root + (qwen == null ? "" : ", " + QWEN_DIR + "="
                    + qwen) + " does not open: " + e.getMessage(),
                    "Point " + MODEL_DIR + " at a complete model directory (official layout: " + ModelDirectory.VAE
                    + ", " + ModelDirectory.DIT_V11 + " and/or " + ModelDirectory.DIT_V10 + ", "
                    + ModelDirectory.QWEN_DIR + "/), or set " + QWEN_DIR + " to the Qwen2.5-VL-7B-Instruct directory"
                    + " when it lives elsewhere.", e);
        }
        List<ModelVersion> missing = versions.stream().filter(v -> !dir.ditFiles().containsKey(v)).toList();
        if (!missing.isEmpty()) {
            String have = dir.ditFiles().keySet().stream().sorted().map(ModelVersion::label)
                    .collect(Collectors.joining(","));
            throw new EngineConfigurationException(MODEL_VERSIONS + "=" + labels(versions) + " asks for "
                    + labels(missing) + ", which " + root + " does not have (it has: " + have + ")",
                    "Set " + MODEL_VERSIONS + "=" + have + ", or add " + missing.stream()
                    .map(v -> v == ModelVersion.V1_0 ? ModelDirectory.DIT_V10 : ModelDirectory.DIT_V11)
                    .collect(Collectors.joining(" and ")) + " to " + root + ".");
        }
        ModelVersion warmup = versions.stream().filter(dir.ditFiles()::containsKey).findFirst().orElseThrow();
        ditOptions(cfg.dit(), dir);
        return new Setup(mode, dir, warmup, versions);
    }

    /** The DiT's load options, checked: merged LoRA files that exist and fit the DiT, a known FP8 overflow rule. */
    static DitOptions ditOptions(EngineSettings.Dit dit, ModelDirectory dir) {
        Float8.Overflow overflow;
        try {
            overflow = Float8.Overflow.parse(dit.fp8Overflow());
        } catch (IllegalArgumentException e) {
            throw new EngineConfigurationException(FP8_OVERFLOW + "=" + dit.fp8Overflow() + ": " + e.getMessage(),
                    "Set " + FP8_OVERFLOW + " to saturate (current PyTorch, the default) or nan.", e);
        }
        List<LoraSpec> loras = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        LoraTargets targets = Step1XEdit.loraTargets(dir.ditParams(), dir.connectorConfig());
        for (String text : dit.loraMerged()) {
            LoraSpec spec;
            try {
                spec = LoraSpec.parse(text.trim());
            } catch (IllegalArgumentException e) {
                problems.add("'" + text + "': " + e.getMessage());
                continue;
            }
            LoraFile.problems(spec.file(), targets).forEach(p -> problems.add(spec.file().getFileName() + ": " + p));
            loras.add(spec);
        }
        if (!problems.isEmpty()) {
            throw new EngineConfigurationException(LORA_MERGED + " cannot be merged into the DiT of " + dir.root()
                    + ": " + String.join("; ", problems),
                    "Give " + LORA_MERGED + " kohya-format LoRA files made for Step1X-Edit's DiT, as FILE or FILE:MULT.");
        }
        return DitOptions.defaults().withLoras(List.copyOf(loras)).withFp8(dit.fp8()).withFp8Overflow(overflow)
                .withOffload(dit.offload()).withAdapterCacheBytes(dit.adapterCacheBytes());
    }

    /**
     * Opens the engine of checked settings (loads the weights; minutes for the full model) and registers the
     * per-request adapters (loaded on first use).
     *
     * @param adapters catalog name to checked adapter file ({@link AdapterCatalog#ready()})
     */
    public static Opened open(Setup setup, EngineSettings cfg, Map<String, Path> adapters) {
        if (setup.simulated()) {
            EngineSettings.Simulated s = cfg.simulated();
            return new Opened(new SimulatedEditEngine(s.base(), s.perRow(), s.perStepMegapixel(), s.deviceMemoryPixels(),
                    s.plannerOptimism(), s.varyPerRun()).crashingOn(s.crashInstruction()), true);
        }
        EngineRuntime.Options options = new EngineRuntime.Options(cfg.device(),
                blank(cfg.cacheDir()) ? null : Path.of(cfg.cacheDir()), cfg.numThreads(), cfg.dtype(),
                cfg.qwenOffload(), cfg.fusedOps());
        try {
            Step1XEditPipeline pipeline = Step1XEditPipeline.open(setup.model(), options,
                    ditOptions(cfg.dit(), setup.model()));
            adapters.forEach(pipeline.adapters()::register);
            return new Opened(pipeline, false);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the model in " + setup.model().root() + ": " + e.getMessage(), e);
        }
    }

    private static Mode mode(String text) {
        String m = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
        for (Mode mode : Mode.values()) {
            if (mode.wire().equals(m)) {
                return mode;
            }
        }
        throw new EngineConfigurationException(MODE + "='" + text + "' is not a mode: expected model or simulated",
                "Set " + MODE + "=model (with " + MODEL_DIR + ") for Step1X-Edit, or " + MODE
                + "=simulated for the stand-in engine (tests and demos only).");
    }

    private static List<ModelVersion> versions(List<String> configured) {
        String expected = Arrays.stream(ModelVersion.values()).map(ModelVersion::label).collect(Collectors.joining(", "));
        if (configured == null || configured.stream().allMatch(EngineFactory::blank)) {
            throw new EngineConfigurationException(MODEL_VERSIONS + " is empty: the worker would serve no model version",
                    "Set " + MODEL_VERSIONS + " to one or more of " + expected + ".");
        }
        List<ModelVersion> out = new ArrayList<>();
        for (String s : configured) {
            if (blank(s)) {
                continue;
            }
            ModelVersion v = Arrays.stream(ModelVersion.values()).filter(x -> x.label().equals(s.trim())).findFirst()
                    .orElseThrow(() -> new EngineConfigurationException(MODEL_VERSIONS + " names '" + s
                            + "', which is not a model version (expected " + expected + ")",
                            "Set " + MODEL_VERSIONS + " to one or more of " + expected + ", spelled exactly so."));
            if (!out.contains(v)) {
                out.add(v);
            }
        }
        return List.copyOf(out);
    }

    private static String labels(List<ModelVersion> versions) {
        return versions.stream().map(ModelVersion::label).collect(Collectors.joining(","));
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }
}
