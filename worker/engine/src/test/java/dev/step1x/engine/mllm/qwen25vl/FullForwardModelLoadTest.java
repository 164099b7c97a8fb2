package dev.step1x.engine.mllm.qwen25vl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.step1x.engine.TestPaths;
import dev.step1x.engine.runtime.EngineRuntime;
import dev.step1x.engine.weights.SafetensorsFile;
import dev.step1x.engine.weights.StrictLoader;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link Qwen25VLModel#load}: strict, lm_head ignored, newer transformers key names accepted. */
class FullForwardModelLoadTest {

    static EngineRuntime runtime;
    static Qwen25VLConfig config;

    @TempDir
    Path tmp;

    @BeforeAll
    static void start() throws Exception {
        runtime = EngineRuntime.startDefault();
        config = Qwen25VLConfig.fromJson(TestPaths.qwen25vl("config.json"));
    }

    @Test
    void aCheckpointWithLmHeadLoadsAndGivesTheSameForward() throws Exception {
        Path withHead = rewrite(TestPaths.qwen25vl("model.safetensors"), tmp.resolve("head.safetensors"),
                UnaryOperator.identity(), Map.of(Qwen25VLModel.LM_HEAD_KEY, new long[] {config.vocabSize(), config.hiddenSize()}));
        try (SafetensorsFile f = SafetensorsFile.open(withHead)) {
            assertThat(f.tensors()).containsKey(Qwen25VLModel.LM_HEAD_KEY);
        }
        assertSameForward(withHead);
    }

    @Test
    void newerTransformersKeyNamesLoad() throws Exception {
        Path renamed = rewrite(TestPaths.qwen25vl("model.safetensors"), tmp.resolve("renamed.safetensors"),
                k -> k.startsWith("visual.") ? "model." + k
                        : k.startsWith("model.") ? "model.language_model." + k.substring("model.".length()) : k,
                Map.of(Qwen25VLModel.LM_HEAD_KEY, new long[] {config.vocabSize(), config.hiddenSize()}));
        try (SafetensorsFile f = SafetensorsFile.open(renamed)) {
            assertThat(f.tensors()).containsKey("model.language_model.norm.weight").containsKey("model.visual.merger.ln_q.weight")
                    .doesNotContainKey("model.norm.weight");
        }
        assertSameForward(renamed);
    }

    @Test
    void anUnknownKeyOrAMissingKeyFails() throws Exception {
        Path extra = rewrite(TestPaths.qwen25vl("model.safetensors"), tmp.resolve("extra.safetensors"),
                UnaryOperator.identity(), Map.of("model.layers.2.input_layernorm.weight", new long[] {config.hiddenSize()}));
        try (NDManager m = runtime.newManager()) {
            assertThatThrownBy(() -> Qwen25VLModel.load(m, extra, config))
                    .isInstanceOf(StrictLoader.WeightMismatchException.class)
                    .hasMessageContaining("unused").hasMessageContaining("model.layers.2.input_layernorm.weight");
            Path missing = rewrite(TestPaths.qwen25vl("model.safetensors"), tmp.resolve("missing.safetensors"),
                    k -> k.equals("model.norm.weight") ? "model.norm.scale" : k, Map.of());
            assertThatThrownBy(() -> Qwen25VLModel.load(m, missing, config))
                    .isInstanceOf(StrictLoader.WeightMismatchException.class)
                    .hasMessageContaining("missing").hasMessageContaining("model.norm.weight");
        }
    }

    private static void assertSameForward(Path other) throws Exception {
        try (NDManager m = runtime.newManager();
                SafetensorsFile f = SafetensorsFile.open(TestPaths.qwen25vl("cases/full_forward.safetensors"))) {
            NDArray ids = f.load(m, "input_ids");
            NDArray pixels = f.load(m, "pixel_values");
            long[][] grid = {{1, 8, 10}};
            NDArray a = Qwen25VLModel.load(m, TestPaths.qwen25vl("model.safetensors"), config).forward(ids, null, pixels, grid);
            NDArray b = Qwen25VLModel.load(m, other, config).forward(ids, null, pixels, grid);
            assertThat(b.contentEquals(a)).isTrue();
        }
    }

    /** Copies a safetensors file with renamed keys and extra zero-filled BF16 tensors appended. */
    static Path rewrite(Path src, Path dst, UnaryOperator<String> rename, Map<String, long[]> extra) throws Exception {
        byte[] bytes = Files.readAllBytes(src);
        long n = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        JsonObject header = JsonParser.parseString(new String(bytes, 8, (int) n, StandardCharsets.UTF_8)).getAsJsonObject();
        int dataStart = 8 + (int) n;
        long dataLen = bytes.length - dataStart;
        JsonObject out = new JsonObject();
        for (Map.Entry<String, JsonElement> e : header.entrySet()) {
            out.add(e.getKey().equals("__metadata__") ? e.getKey() : rename.apply(e.getKey()), e.getValue());
        }
        long end = dataLen;
        for (Map.Entry<String, long[]> e : extra.entrySet()) {
            long size = 2;
            JsonArray shape = new JsonArray();
            for (long d : e.getValue()) {
                size *= d;
                shape.add(d);
            }
            JsonObject t = new JsonObject();
            t.addProperty("dtype", "BF16");
            t.add("shape", shape);
            JsonArray offsets = new JsonArray();
            offsets.add(end);
            offsets.add(end + size);
            t.add("data_offsets", offsets);
            out.add(e.getKey(), t);
            end += size;
        }
        StringBuilder h = new StringBuilder(out.toString());
        while (h.length() % 8 != 0) {
            h.append(' ');
        }
        byte[] hb = h.toString().getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream os = new ByteArrayOutputStream();
        os.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(hb.length).array());
        os.write(hb);
        os.write(bytes, dataStart, (int) dataLen);
        os.write(new byte[(int) (end - dataLen)]);
        Files.write(dst, os.toByteArray());
        return dst;
    }
}
