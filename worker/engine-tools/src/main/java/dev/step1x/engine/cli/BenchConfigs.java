package dev.step1x.engine.cli;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import dev.step1x.engine.ConfigJson;
import dev.step1x.engine.InvalidConfigException;
import dev.step1x.engine.connector.Qwen2ConnectorConfig;
import dev.step1x.engine.dit.Step1XParams;
import dev.step1x.engine.mllm.qwen25vl.Qwen25VLConfig;
import dev.step1x.engine.vae.AutoEncoderParams;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Reads the benchmark configurations ({@code worker/engine-tools/bench/configs.json}): an object of named
 * configurations, each with
 * <pre>
 *   "dit":         Step1XParams fields (in_channels, hidden_size, depth, axes_dim, ...)
 *   "connector":   Qwen2Connector fields (in_channels, hidden_size, heads_num, depth; need_CA default false)
 *   "ae":          AutoEncoderParams fields (ch, ch_mult, num_res_blocks, z_channels, ...; resolution default 256)
 *   "dit_forward": {"batch": rows, "target_latent_hw": [h, w], "reference_latent_hw": [h, w] (= target),
 *                   "txt_len": n, "txt_valid": [valid tokens per row, repeated over the rows]}
 *   "vae":         {"encode_image_hw": [h, w], "decode_latent_hw": [h, w]}
 *   "qwen_config": optional, a Qwen2.5-VL config.json (relative to the file) for the Qwen rows; absent: the demo
 *                  model's config of the same name (tiny, small), else no Qwen rows
 * </pre>
 * Every missing or ill-typed field is an {@link InvalidConfigException} that names the file and the dotted field.
 */
final class BenchConfigs {

    private BenchConfigs() {}

    /** The demo Qwen configs the "qwen vision" and "qwen decoder" rows use for these configuration names. */
    static final Map<String, String> DEMO_QWEN = Map.of("tiny", "/dev/step1x/engine/demo/qwen_config.json",
            "small", "/dev/step1x/engine/demo/small/qwen_config.json");

    static List<Bench.Config> read(Path file) throws IOException {
        JsonObject root = ConfigJson.readObject(file);
        String source = file.toString();
        List<Bench.Config> configs = new ArrayList<>();
        for (Map.Entry<String, JsonElement> e : root.entrySet()) {
            String name = e.getKey();
            if (!e.getValue().isJsonObject()) {
                throw new InvalidConfigException(name, "expected an object").from(source);
            }
            try {
                configs.add(config(name, e.getValue().getAsJsonObject(), file));
            } catch (InvalidConfigException ice) {
                throw ice.source() == null ? ice.from(source) : ice;
            }
        }
        if (configs.isEmpty()) {
            throw new InvalidConfigException("(root)", "no configuration").from(source);
        }
        return configs;
    }

    private static Bench.Config config(String name, JsonObject c, Path file) throws IOException {
        String source = file.toString();
        Step1XParams dit = ConfigJson.read(object(c, "dit", name), Step1XParams.class, name + ".dit", source);
        JsonObject connectorJson = object(c, "connector", name).deepCopy();
        if (!connectorJson.has("need_CA")) {
            connectorJson.add("need_CA", new JsonPrimitive(false));
        }
        Qwen2ConnectorConfig connector = ConfigJson.read(connectorJson, Qwen2ConnectorConfig.class, name + ".connector",
                source);
        JsonObject aeJson = object(c, "ae", name).deepCopy();
        if (!aeJson.has("resolution")) {
            aeJson.add("resolution", new JsonPrimitive(256));
        }
        AutoEncoderParams ae = ConfigJson.read(aeJson, AutoEncoderParams.class, name + ".ae", source);

        String fwd = name + ".dit_forward";
        JsonObject f = object(c, "dit_forward", name);
        int batch = positive(f, "batch", fwd);
        if (batch % 2 != 0) {
            throw new InvalidConfigException(fwd + ".batch", batch + " is odd; the rows are a cond and an uncond row per"
                    + " request, as the sampler runs them");
        }
        int[] target = ints(f, "target_latent_hw", 2, fwd);
        int[] reference = ints(f, "reference_latent_hw", 2, fwd);
        if (target[0] != reference[0] || target[1] != reference[1]) {
            throw new InvalidConfigException(fwd + ".reference_latent_hw", "must equal target_latent_hw (the pipeline's"
                    + " reference has the target's size)");
        }
        if (target[0] % 2 != 0 || target[1] % 2 != 0) {
            throw new InvalidConfigException(fwd + ".target_latent_hw", "must be even (2x2 patches)");
        }
        int txtLen = positive(f, "txt_len", fwd);
        int[] txtValid = ints(f, "txt_valid", -1, fwd);
        for (int v : txtValid) {
            if (v > txtLen) {
                throw new InvalidConfigException(fwd + ".txt_valid", v + " is more than txt_len " + txtLen);
            }
        }
        JsonObject vae = object(c, "vae", name);
        int[] encode = ints(vae, "encode_image_hw", 2, name + ".vae");
        int[] decode = ints(vae, "decode_latent_hw", 2, name + ".vae");
        return new Bench.Config(name, qwen(name, c, file), dit, connector, ae, batch, target[0], target[1], txtLen,
                txtValid, encode[0], encode[1], decode[0], decode[1]);
    }

    private static Qwen25VLConfig qwen(String name, JsonObject c, Path file) throws IOException {
        JsonElement q = c.get("qwen_config");
        if (q != null && !q.isJsonNull()) {
            if (!q.isJsonPrimitive() || !q.getAsJsonPrimitive().isString()) {
                throw new InvalidConfigException(name + ".qwen_config", "expected a file name");
            }
            Path p = file.toAbsolutePath().resolveSibling(q.getAsString());
            if (!Files.isRegularFile(p)) {
                throw new InvalidConfigException(name + ".qwen_config", p + " does not exist");
            }
            return Qwen25VLConfig.fromJson(p);
        }
        String resource = DEMO_QWEN.get(name);
        if (resource == null) {
            return null;
        }
        try (InputStream in = BenchConfigs.class.getResourceAsStream(resource)) {
            return Qwen25VLConfig.fromJson(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
    }

    private static JsonObject object(JsonObject parent, String key, String path) {
        JsonElement e = parent.get(key);
        if (e == null || e.isJsonNull()) {
            throw new InvalidConfigException(path + "." + key, "missing (required)");
        }
        if (!e.isJsonObject()) {
            throw new InvalidConfigException(path + "." + key, "expected an object");
        }
        return e.getAsJsonObject();
    }

    private static int positive(JsonObject o, String key, String path) {
        JsonElement e = o.get(key);
        if (e == null || e.isJsonNull()) {
            throw new InvalidConfigException(path + "." + key, "missing (required)");
        }
        return positiveInt(e, path + "." + key);
    }

    /** An array of positive integers, of {@code length} entries (-1: any, at least one). */
    private static int[] ints(JsonObject o, String key, int length, String path) {
        String field = path + "." + key;
        JsonElement e = o.get(key);
        if (e == null || e.isJsonNull()) {
            throw new InvalidConfigException(field, "missing (required)");
        }
        if (!e.isJsonArray()) {
            throw new InvalidConfigException(field, "expected an array of integers");
        }
        JsonArray a = e.getAsJsonArray();
        if (length >= 0 ? a.size() != length : a.isEmpty()) {
            throw new InvalidConfigException(field, "expected " + (length >= 0 ? length : "at least one")
                    + " integers, got " + a.size());
        }
        int[] v = new int[a.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = positiveInt(a.get(i), field + "[" + i + "]");
        }
        return v;
    }

    private static int positiveInt(JsonElement e, String field) {
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isNumber()) {
            throw new InvalidConfigException(field, "expected an integer, got " + e);
        }
        double d = e.getAsDouble();
        if (d != Math.rint(d) || d < 1 || d > Integer.MAX_VALUE) {
            throw new InvalidConfigException(field, "expected a positive integer, got " + e);
        }
        return (int) d;
    }
}
