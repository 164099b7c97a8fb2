package dev.step1x.engine.pipeline;

import dev.step1x.engine.ModelVersion;
import dev.step1x.engine.connector.Qwen2ConnectorConfig;
import dev.step1x.engine.dit.Step1XEdit;
import dev.step1x.engine.dit.Step1XParams;
import dev.step1x.engine.mllm.qwen25vl.Qwen25VLConfig;
import dev.step1x.engine.mllm.qwen25vl.Qwen25VLModel;
import dev.step1x.engine.vae.AutoEncoder;
import dev.step1x.engine.vae.AutoEncoderParams;
import dev.step1x.engine.weights.Checkpoint;
import dev.step1x.engine.weights.StrictLoader;
import dev.step1x.engine.weights.WeightSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A model directory in the official layout:
 * <pre>
 *   step1x-edit-i1258.safetensors           v1.0 DiT + connector
 *   step1x-edit-v1p1-official.safetensors   v1.1 DiT + connector (either or both)
 *   vae.safetensors
 *   Qwen2.5-VL-7B-Instruct/                 config.json, tokenizer.json, model*.safetensors (+ index)
 *   dit_config.json, vae_config.json        optional: non-official sizes (the demo model); absent = official
 * </pre>
 * The Qwen2.5-VL directory may live elsewhere ({@link #open(Path, Path)}): any directory with the hub
 * files, a Hugging Face cache entry ({@code models--Qwen--Qwen2.5-VL-7B-Instruct}, resolved through
 * {@code refs/main} to its snapshot) or a snapshot directory itself (its files are symlinks into
 * {@code blobs/}, which is fine: they are opened, not listed).
 * {@link #open} checks every file it needs and every checkpoint header against the module tree its
 * config implies (keys and shapes, nothing loaded), and reports all problems in one exception.
 */
public record ModelDirectory(Path root, Map<ModelVersion, Path> ditFiles, Path vaeFile, Path qwenDir,
        Path tokenizerFile, Step1XParams ditParams, Qwen2ConnectorConfig connectorConfig,
        AutoEncoderParams aeParams, Qwen25VLConfig qwenConfig) {

    public static final String DIT_V10 = "step1x-edit-i1258.safetensors";
    public static final String DIT_V11 = "step1x-edit-v1p1-official.safetensors";
    public static final String VAE = "vae.safetensors";
    public static final String QWEN_DIR = "Qwen2.5-VL-7B-Instruct";
    public static final String DIT_CONFIG = "dit_config.json";
    public static final String VAE_CONFIG = "vae_config.json";

    /** Missing or mismatched model files; the message lists every one. */
    public static final class InvalidModelDirectoryException extends IOException {
        private final transient List<String> problems;

        public InvalidModelDirectoryException(Path root, List<String> problems) {
            super("model directory " + root + " is not usable (" + problems.size() + " problem"
                    + (problems.size() == 1 ? "" : "s") + "):\n  - " + String.join("\n  - ", problems));
            this.problems = List.copyOf(problems);
        }

        public List<String> problems() {
            return problems;
        }
    }

    /** The Hugging Face cache folder name of the Qwen model the official release uses. */
    public static final String QWEN_HF_CACHE_ENTRY = "models--Qwen--Qwen2.5-VL-7B-Instruct";

    /** A directory in the official layout, Qwen2.5-VL in its {@value #QWEN_DIR} sub-directory. */
    public static ModelDirectory open(Path root) throws InvalidModelDirectoryException {
        return open(root, null);
    }

    /**
     * A directory in the official layout with the Qwen2.5-VL files at {@code qwenDir} instead of
     * {@code root/}{@value #QWEN_DIR} ({@code null}: there). See the class comment for the forms accepted.
     */
    public static ModelDirectory open(Path root, Path qwenDir) throws InvalidModelDirectoryException {
        List<String> problems = new ArrayList<>();
        if (!Files.isDirectory(root)) {
            throw new InvalidModelDirectoryException(root, List.of("not a directory"));
        }
        String qwenLabel = QWEN_DIR;
        if (qwenDir == null) {
            qwenDir = root.resolve(QWEN_DIR);
        } else {
            qwenDir = resolveQwenDir(qwenDir, problems);
            qwenLabel = qwenDir.toString();
        }
        Step1XParams dit = Step1XParams.official();
        Qwen2ConnectorConfig connector = Qwen2ConnectorConfig.official();
        AutoEncoderParams ae = AutoEncoderParams.official();
        Qwen25VLConfig qwen = null;
        try {
            if (Files.exists(root.resolve(DIT_CONFIG))) {
                dit = Step1XParams.fromJson(root.resolve(DIT_CONFIG));
                connector = Qwen2ConnectorConfig.fromJson(root.resolve(DIT_CONFIG));
            }
        } catch (IOException | RuntimeException e) {
            problems.add(DIT_CONFIG + ": " + e.getMessage());
        }
        try {
            if (Files.exists(root.resolve(VAE_CONFIG))) {
                ae = AutoEncoderParams.fromJson(root.resolve(VAE_CONFIG));
            }
        } catch (IOException | RuntimeException e) {
            problems.add(VAE_CONFIG + ": " + e.getMessage());
        }
        Path tokenizer = qwenDir.resolve("tokenizer.json");
        if (!Files.isDirectory(qwenDir)) {
            problems.add(qwenLabel + "/ is missing (Qwen2.5-VL-7B-Instruct with config.json, tokenizer.json, weights;"
                    + " or give its directory with --qwen-dir / worker.engine.qwen-dir)");
        } else {
            try {
                qwen = Qwen25VLConfig.fromJson(qwenDir.resolve("config.json"));
            } catch (IOException | RuntimeException e) {
                problems.add(qwenLabel + "/config.json: " + e.getMessage());
            }
            if (!Files.isRegularFile(tokenizer)) {
                problems.add(qwenLabel + "/tokenizer.json is missing");
            }
            if (qwen != null) {
                check(problems, qwenLabel, qwenDir, Qwen25VLModel.weightSpec(qwen), Qwen25VLModel.ignorableKeys(qwen));
                if (qwen.hiddenSize() != connector.inChannels()) {
                    problems.add("the connector takes " + connector.inChannels() + "-wide MLLM states but "
                            + qwenLabel + " has hidden_size " + qwen.hiddenSize());
                }
            }
        }
        Map<ModelVersion, Path> ditFiles = new EnumMap<>(ModelVersion.class);
        for (ModelVersion v : ModelVersion.values()) {
            Path f = root.resolve(v == ModelVersion.V1_0 ? DIT_V10 : DIT_V11);
            if (Files.exists(f)) {
                ditFiles.put(v, f);
                try {
                    check(problems, f.getFileName().toString(), f, Step1XEdit.weightSpec(dit, connector, v), Set.of());
                } catch (RuntimeException e) {
                    problems.add(f.getFileName() + ": " + e.getMessage());
                }
            }
        }
        if (ditFiles.isEmpty()) {
            problems.add("no DiT checkpoint: expected " + DIT_V11 + " (v1.1) and/or " + DIT_V10 + " (v1.0)");
        }
        Path vae = root.resolve(VAE);
        if (!Files.exists(vae)) {
            problems.add(VAE + " is missing");
        } else {
            check(problems, VAE, vae, AutoEncoder.weightSpec(ae), Set.of());
        }
        if (!problems.isEmpty()) {
            throw new InvalidModelDirectoryException(root, problems);
        }
        return new ModelDirectory(root, Map.copyOf(ditFiles), vae, qwenDir, tokenizer, dit, connector, ae, qwen);
    }

    /**
     * Where the Qwen files are for a user-given directory: the directory itself when it has config.json;
     * a Hugging Face cache entry's snapshot (refs/main, else its only snapshot); or, given the cache root
     * (e.g. ~/.cache/huggingface/hub), the snapshot of {@value #QWEN_HF_CACHE_ENTRY} in it.
     */
    static Path resolveQwenDir(Path given, List<String> problems) {
        if (Files.isRegularFile(given.resolve("config.json")) || !Files.isDirectory(given)) {
            return given; // a plain directory, or a missing one (reported by the caller)
        }
        Path entry = Files.isDirectory(given.resolve(QWEN_HF_CACHE_ENTRY)) ? given.resolve(QWEN_HF_CACHE_ENTRY) : given;
        Path snapshots = entry.resolve("snapshots");
        if (!Files.isDirectory(snapshots)) {
            return given; // no config.json and not a cache entry: the caller reports config.json missing
        }
        Path ref = entry.resolve("refs").resolve("main");
        try {
            if (Files.isRegularFile(ref)) {
                Path snapshot = snapshots.resolve(Files.readString(ref).strip());
                if (Files.isDirectory(snapshot)) {
                    return snapshot;
                }
                problems.add(ref + " names snapshot " + snapshot.getFileName() + ", which is not in " + snapshots);
                return snapshot;
            }
            List<Path> all;
            try (var list = Files.list(snapshots)) {
                all = list.filter(Files::isDirectory).sorted().toList();
            }
            if (all.size() == 1) {
                return all.get(0);
            }
            problems.add(snapshots + " holds " + all.size() + " snapshots and " + ref
                    + " is missing: give the snapshot directory itself");
        } catch (IOException e) {
            problems.add(entry + ": " + e.getMessage());
        }
        return given;
    }

    /** The DiT checkpoint of a version; a clear error if this directory does not have it. */
    public Path ditFile(ModelVersion version) {
        Path f = ditFiles.get(version);
        if (f == null) {
            throw new IllegalArgumentException("model " + root + " has no " + version.label() + " DiT (available: "
                    + ditFiles.keySet().stream().map(ModelVersion::label).toList() + ")");
        }
        return f;
    }

    private static void check(List<String> problems, String label, Path path, WeightSpec spec, Set<String> ignorable) {
        try (Checkpoint c = Checkpoint.open(path)) {
            StrictLoader.Report r = StrictLoader.check(spec, c.tensors(), label, ignorable);
            if (!r.ok()) {
                problems.add(r.describe().replace("\n", "\n    "));
            }
        } catch (IOException | RuntimeException e) {
            problems.add(label + ": " + e.getMessage());
        }
    }
}
