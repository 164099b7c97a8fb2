package dev.step1x.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.step1x.engine.weights.WeightSpec;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Reads key/shape tables (safetensors headers, official key lists) and compares them with a {@link WeightSpec}. */
public final class SpecAssert {

    private SpecAssert() {}

    /** One official full-size key list from {@code official_full_size_keys.json}. */
    public record Official(long numTensors, long numParams, Map<String, long[]> keys) {}

    /** The tensor names and shapes of a safetensors file (header only: u64 LE length + JSON), in header order. */
    public static Map<String, long[]> safetensorsShapes(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            byte[] len = in.readNBytes(8);
            assertThat(len).as("%s: header length", file).hasSize(8);
            long n = ByteBuffer.wrap(len).order(ByteOrder.LITTLE_ENDIAN).getLong();
            assertThat(n).as("%s: header length", file).isBetween(2L, 100L << 20);
            byte[] header = in.readNBytes((int) n);
            JsonObject obj = JsonParser.parseString(new String(header, StandardCharsets.UTF_8)).getAsJsonObject();
            Map<String, long[]> out = new LinkedHashMap<>();
            for (Map.Entry<String, JsonElement> e : obj.entrySet()) {
                if (!e.getKey().equals("__metadata__")) {
                    out.put(e.getKey(), shape(e.getValue().getAsJsonObject().getAsJsonArray("shape")));
                }
            }
            return out;
        }
    }

    /** An entry ("step1x-edit-i1258.safetensors" or "vae.safetensors") of {@code official_full_size_keys.json}. */
    public static Official official(Path json, String file) throws IOException {
        JsonObject root = JsonParser.parseString(Files.readString(json)).getAsJsonObject();
        JsonObject entry = root.getAsJsonObject(file);
        assertThat(entry).as("%s has an entry %s", json, file).isNotNull();
        Map<String, long[]> keys = new LinkedHashMap<>();
        for (Map.Entry<String, JsonElement> e : entry.getAsJsonObject("keys").entrySet()) {
            keys.put(e.getKey(), shape(e.getValue().getAsJsonArray()));
        }
        return new Official(entry.get("num_tensors").getAsLong(), entry.get("num_params").getAsLong(), keys);
    }

    private static long[] shape(JsonArray arr) {
        long[] s = new long[arr.size()];
        for (int i = 0; i < s.length; i++) {
            s[i] = arr.get(i).getAsLong();
        }
        return s;
    }

    /** Sum of the element counts. */
    public static long numParams(Map<String, long[]> shapes) {
        long n = 0;
        for (long[] s : shapes.values()) {
            n += Arrays.stream(s).reduce(1, Math::multiplyExact);
        }
        return n;
    }

    /**
     * Fails, naming every key, unless {@code spec} and {@code actual} have the same keys with the same
     * shapes (order ignored).
     */
    public static void assertSameKeysAndShapes(WeightSpec spec, Map<String, long[]> actual, String description) {
        List<String> missing = new ArrayList<>();
        List<String> wrongShape = new ArrayList<>();
        for (Map.Entry<String, long[]> e : spec.shapes().entrySet()) {
            long[] a = actual.get(e.getKey());
            if (a == null) {
                missing.add(e.getKey() + " " + Arrays.toString(e.getValue()));
            } else if (!Arrays.equals(a, e.getValue())) {
                wrongShape.add(e.getKey() + ": spec " + Arrays.toString(e.getValue()) + ", file " + Arrays.toString(a));
            }
        }
        List<String> unexpected = new ArrayList<>();
        for (Map.Entry<String, long[]> e : actual.entrySet()) {
            if (!spec.shapes().containsKey(e.getKey())) {
                unexpected.add(e.getKey() + " " + Arrays.toString(e.getValue()));
            }
        }
        if (!missing.isEmpty() || !wrongShape.isEmpty() || !unexpected.isEmpty()) {
            StringBuilder sb = new StringBuilder("spec does not match ").append(description).append(':');
            if (!missing.isEmpty()) {
                sb.append("\n  in spec, not in file (").append(missing.size()).append("): ").append(String.join(", ", missing));
            }
            if (!unexpected.isEmpty()) {
                sb.append("\n  in file, not in spec (").append(unexpected.size()).append("): ")
                        .append(String.join(", ", unexpected));
            }
            if (!wrongShape.isEmpty()) {
                sb.append("\n  shape differs (").append(wrongShape.size()).append("): ").append(String.join(", ", wrongShape));
            }
            fail(sb.toString());
        }
    }

    /** The spec's keys without the given ones, in order (for "v1.1 = v1.0 minus ..."). */
    public static List<String> keysWithout(WeightSpec spec, String... removed) {
        List<String> keys = new ArrayList<>(spec.shapes().keySet());
        keys.removeAll(Arrays.asList(removed));
        return keys;
    }
}
