package dev.step1x.engine.pipeline;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.step1x.engine.ModelVersion;
import dev.step1x.engine.connector.Qwen2ConnectorConfig;
import dev.step1x.engine.dit.Step1XEdit;
import dev.step1x.engine.dit.Step1XParams;
import dev.step1x.engine.lora.LoraTargets;
import dev.step1x.engine.lora.RandomLora;
import dev.step1x.engine.mllm.qwen25vl.Qwen25VLConfig;
import dev.step1x.engine.mllm.qwen25vl.Qwen25VLModel;
import dev.step1x.engine.nn.RandomParams;
import dev.step1x.engine.runtime.EngineRuntime;
import dev.step1x.engine.vae.AutoEncoder;
import dev.step1x.engine.vae.AutoEncoderParams;
import dev.step1x.engine.weights.DType;
import dev.step1x.engine.weights.SafetensorsWriter;
import dev.step1x.engine.weights.WeightSpec;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Writes a tiny model directory in the official layout (see {@link ModelDirectory}): deterministic
 * random weights keyed exactly like the real files (DiT v1.0 and v1.1 in BF16, VAE in F32, Qwen2.5-VL
 * in BF16 as two shards with an index), tiny configs, and the real Qwen tokenizer. Every code path
 * runs on a laptop CPU in seconds; the pictures it produces are meaningless.
 */
public final class DemoModel {

    /** Seed of the demo weights: the same directory every time. */
    public static final int SEED = 20250425;

    /** The demo LoRA adapters written beside the model ({@link #writeAdapters}): name to rank. */
    public static final Map<String, Integer> ADAPTERS = Map.of("demo-style-a", 4, "demo-style-b", 8);

    /** Where {@link #writeAdapters} puts them: {@code <model>/loras/<name>.safetensors}. */
    public static final String ADAPTER_DIR = "loras";

    private DemoModel() {}

    /** The demo sizes: "tiny" (the parity configuration) and "small" (the bench's small configuration). */
    public enum Size {
        TINY(""), SMALL("small/");

        private final String resources;

        Size(String resources) {
            this.resources = resources;
        }
    }

    public static ModelDirectory write(EngineRuntime runtime, Path out, Path tokenizerJson) throws IOException {
        return write(runtime, out, tokenizerJson, Size.TINY);
    }

    public static ModelDirectory write(EngineRuntime runtime, Path out, Path tokenizerJson, Size size) throws IOException {
        if (!Files.isRegularFile(tokenizerJson)) {
            throw new IOException("tokenizer " + tokenizerJson + " not found (run bin/fetch-qwen-tokenizer)");
        }
        Files.createDirectories(out.resolve(ModelDirectory.QWEN_DIR));
        Path ditConfig = copyResource(size.resources + "dit_config.json", out.resolve(ModelDirectory.DIT_CONFIG));
        Path vaeConfig = copyResource(size.resources + "vae_config.json", out.resolve(ModelDirectory.VAE_CONFIG));
        Path qwenConfig = copyResource(size.resources + "qwen_config.json",
                out.resolve(ModelDirectory.QWEN_DIR).resolve("config.json"));
        Files.copy(tokenizerJson, out.resolve(ModelDirectory.QWEN_DIR).resolve("tokenizer.json"),
                StandardCopyOption.REPLACE_EXISTING);
        Step1XParams dit = Step1XParams.fromJson(ditConfig);
        Qwen2ConnectorConfig connector = Qwen2ConnectorConfig.fromJson(ditConfig);
        AutoEncoderParams ae = AutoEncoderParams.fromJson(vaeConfig);
        Qwen25VLConfig qwen = Qwen25VLConfig.fromJson(qwenConfig);
        try (NDManager m = runtime.newManager()) {
            for (ModelVersion v : ModelVersion.values()) {
                // v1.1 = the v1.0 tensors without connector.scale_factor: same seed, same values
                m.getEngine().setRandomSeed(SEED);
                writeFile(m, Step1XEdit.weightSpec(dit, connector, v), DType.BF16,
                        out.resolve(v == ModelVersion.V1_0 ? ModelDirectory.DIT_V10 : ModelDirectory.DIT_V11));
            }
            m.getEngine().setRandomSeed(SEED + 1);
            writeFile(m, AutoEncoder.weightSpec(ae), DType.F32, out.resolve(ModelDirectory.VAE));
            m.getEngine().setRandomSeed(SEED + 2);
            writeQwenShards(m, Qwen25VLModel.weightSpec(qwen), out.resolve(ModelDirectory.QWEN_DIR));
        }
        ModelDirectory model = ModelDirectory.open(out);
        writeAdapters(runtime, model);
        return model;
    }

    /**
     * Writes the {@link #ADAPTERS} that are missing: kohya-format LoRA files for this model's DiT (every target layer,
     * alpha 4, float32), down ~ N(0, 1/in), up ~ N(0, 0.1^2) (training starts up at zero; random here so that each
     * adapter visibly changes the output). Deterministic per name.
     *
     * @return name to file, for every demo adapter
     */
    public static Map<String, Path> writeAdapters(EngineRuntime runtime, ModelDirectory model) throws IOException {
        LoraTargets targets = Step1XEdit.loraTargets(model.ditParams(), model.connectorConfig());
        Path dir = Files.createDirectories(model.root().resolve(ADAPTER_DIR));
        Map<String, Path> files = new TreeMap<>();
        int seed = SEED + 10;
        for (Map.Entry<String, Integer> a : new TreeMap<>(ADAPTERS).entrySet()) {
            Path file = dir.resolve(a.getKey() + ".safetensors");
            files.put(a.getKey(), file);
            seed++;
            if (Files.isRegularFile(file)) {
                continue;
            }
            try (NDManager m = runtime.newManager()) {
                // written beside and moved: a half-written adapter is never taken for a complete one
                Path partial = dir.resolve(a.getKey() + ".part");
                RandomLora.write(m, targets, a.getValue(), 4f, seed, DType.F32, partial);
                Files.move(partial, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            }
        }
        return files;
    }

    private static void writeFile(NDManager m, WeightSpec spec, DType dtype, Path file) throws IOException {
        SafetensorsWriter w = new SafetensorsWriter().metadata("format", "pt").metadata("demo", "random weights");
        for (Map.Entry<String, long[]> e : spec.shapes().entrySet()) {
            try (NDArray t = RandomParams.tensor(m, e.getKey(), e.getValue())) {
                w.add(e.getKey(), t, dtype);
            }
        }
        w.write(file);
    }

    /** visual.* in shard 1, the language model in shard 2, plus model.safetensors.index.json. */
    private static void writeQwenShards(NDManager m, WeightSpec spec, Path dir) throws IOException {
        String[] names = {"model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"};
        SafetensorsWriter[] shards = {new SafetensorsWriter().metadata("format", "pt"),
            new SafetensorsWriter().metadata("format", "pt")};
        Map<String, String> weightMap = new TreeMap<>();
        for (Map.Entry<String, long[]> e : spec.shapes().entrySet()) {
            int s = e.getKey().startsWith("visual.") ? 0 : 1;
            try (NDArray t = RandomParams.tensor(m, e.getKey(), e.getValue())) {
                shards[s].add(e.getKey(), t, DType.BF16);
            }
            weightMap.put(e.getKey(), names[s]);
        }
        for (int i = 0; i < 2; i++) {
            shards[i].write(dir.resolve(names[i]));
        }
        List<String> lines = new ArrayList<>();
        weightMap.forEach((k, v) -> lines.add("    \"" + k + "\": \"" + v + "\""));
        Files.writeString(dir.resolve("model.safetensors.index.json"),
                "{\n  \"metadata\": {\"demo\": \"random weights\"},\n  \"weight_map\": {\n" + String.join(",\n", lines)
                        + "\n  }\n}\n");
    }

    private static Path copyResource(String name, Path target) throws IOException {
        try (InputStream in = DemoModel.class.getResourceAsStream("/dev/step1x/engine/demo/" + name)) {
            if (in == null) {
                throw new IOException("demo resource " + name + " missing from the engine jar");
            }
            Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
        }
        return target;
    }
}
