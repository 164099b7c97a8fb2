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

    public static ModelDirectory open(Path root) throws InvalidModelDirectoryException {
        List<String> problems = new ArrayList<>();
        if (!Files.isDirectory(root)) {
            throw new InvalidModelDirectoryException(root, List.of("not a directory"));
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
        Path qwenDir = root.resolve(QWEN_DIR);
        Path tokenizer = qwenDir.resolve("tokenizer.json");
        if (!Files.isDirectory(qwenDir)) {
            problems.add(QWEN_DIR + "/ is missing (Qwen2.5-VL-7B-Instruct with config.json, tokenizer.json, weights)");
        } else {
            try {
                qwen = Qwen25VLConfig.fromJson(qwenDir.resolve("config.json"));
            } catch (IOException | RuntimeException e) {
                problems.add(QWEN_DIR + "/config.json: " + e.getMessage());
            }
            if (!Files.isRegularFile(tokenizer)) {
                problems.add(QWEN_DIR + "/tokenizer.json is missing");
            }
            if (qwen != null) {
                check(problems, QWEN_DIR, qwenDir, Qwen25VLModel.weightSpec(qwen), Qwen25VLModel.ignorableKeys(qwen));
                if (qwen.hiddenSize() != connector.inChannels()) {
                    problems.add("the connector takes " + connector.inChannels() + "-wide MLLM states but "
                            + QWEN_DIR + " has hidden_size " + qwen.hiddenSize());
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
