package dev.step1x.engine.cli;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.step1x.engine.ConfigJson;
import dev.step1x.engine.InvalidConfigException;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The official PyTorch code's CPU milliseconds for the bench configurations
 * ({@code worker/engine-tools/bench/official-cpu-times.json}), grouped by sitting: one host on one day. A figure
 * means something only next to figures of the same sitting (or a run on that host the same day), so
 * {@link #print} labels every block with its date, host and the GEMM rate measured there.
 *
 * <pre>
 * {"sittings": [{"date": "2026-11-27", "host": "...", "gemm_gflops": [148, 177],
 *                "ms": {"small": {"dit_forward": 9100, "vae_encode": [990, 1090], ...}}}, ...]}
 * </pre>
 * A time is a number or a [low, high] range over repeated runs of that sitting.
 */
record OfficialCpuTimes(Path source, List<Sitting> sittings) {

    /** The components the bench times, as the file spells them (the bench's row label with '_'). */
    static final Set<String> COMPONENTS = Set.of("connector", "dit_forward", "vae_encode", "vae_decode", "sampler_step",
            "qwen_vision", "qwen_decoder");

    /** A low..high range (low == high for a single figure). */
    record Range(double low, double high) {
        String format(String pattern) {
            return low == high ? String.format(Locale.ROOT, pattern, low)
                    : String.format(Locale.ROOT, pattern + "-" + pattern, low, high);
        }

        boolean contains(double v) {
            return v >= low && v <= high;
        }
    }

    /** @param ms configuration name -> component key -> milliseconds */
    record Sitting(String date, String host, Range gemmGflops, Map<String, Map<String, Range>> ms) {}

    static OfficialCpuTimes read(Path file) throws IOException {
        JsonObject root = ConfigJson.readObject(file);
        try {
            JsonElement list = root.get("sittings");
            if (list == null || !list.isJsonArray() || list.getAsJsonArray().isEmpty()) {
                throw new InvalidConfigException("sittings", "expected a non-empty array");
            }
            List<Sitting> sittings = new ArrayList<>();
            JsonArray a = list.getAsJsonArray();
            for (int i = 0; i < a.size(); i++) {
                String at = "sittings[" + i + "]";
                if (!a.get(i).isJsonObject()) {
                    throw new InvalidConfigException(at, "expected an object");
                }
                JsonObject s = a.get(i).getAsJsonObject();
                String date = string(s, "date", at);
                if (!date.matches("\\d{4}-\\d{2}-\\d{2}")) {
                    throw new InvalidConfigException(at + ".date", "expected YYYY-MM-DD, got " + date);
                }
                Map<String, Map<String, Range>> ms = new LinkedHashMap<>();
                JsonElement m = s.get("ms");
                if (m == null || !m.isJsonObject()) {
                    throw new InvalidConfigException(at + ".ms", "expected an object of configurations");
                }
                for (Map.Entry<String, JsonElement> config : m.getAsJsonObject().entrySet()) {
                    String cat = at + ".ms." + config.getKey();
                    if (!config.getValue().isJsonObject()) {
                        throw new InvalidConfigException(cat, "expected an object of components");
                    }
                    Map<String, Range> times = new LinkedHashMap<>();
                    for (Map.Entry<String, JsonElement> t : config.getValue().getAsJsonObject().entrySet()) {
                        if (!COMPONENTS.contains(t.getKey())) {
                            throw new InvalidConfigException(cat + "." + t.getKey(), "not a component the bench times "
                                    + "(one of " + COMPONENTS.stream().sorted().toList() + ")");
                        }
                        times.put(t.getKey(), range(t.getValue(), cat + "." + t.getKey()));
                    }
                    ms.put(config.getKey(), times);
                }
                sittings.add(new Sitting(date, string(s, "host", at), range(s.get("gemm_gflops"), at + ".gemm_gflops"),
                        ms));
            }
            return new OfficialCpuTimes(file, List.copyOf(sittings));
        } catch (InvalidConfigException e) {
            throw e.from(file.toString());
        }
    }

    private static String string(JsonObject o, String key, String at) {
        JsonElement e = o.get(key);
        if (e == null || !e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString() || e.getAsString().isBlank()) {
            throw new InvalidConfigException(at + "." + key, "expected a non-empty string");
        }
        return e.getAsString();
    }

    private static Range range(JsonElement e, String field) {
        if (e != null && e.isJsonPrimitive() && e.getAsJsonPrimitive().isNumber()) {
            double v = positive(e, field);
            return new Range(v, v);
        }
        if (e != null && e.isJsonArray() && e.getAsJsonArray().size() == 2) {
            double low = positive(e.getAsJsonArray().get(0), field + "[0]");
            double high = positive(e.getAsJsonArray().get(1), field + "[1]");
            if (low > high) {
                throw new InvalidConfigException(field, "low " + low + " above high " + high);
            }
            return new Range(low, high);
        }
        throw new InvalidConfigException(field, "expected a number or a [low, high] pair, got " + e);
    }

    private static double positive(JsonElement e, String field) {
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isNumber() || !(e.getAsDouble() > 0)) {
            throw new InvalidConfigException(field, "expected a positive number, got " + e);
        }
        return e.getAsDouble();
    }

    /**
     * For every sitting with figures for the rows' configurations: a header with its date, host and GEMM rate
     * (beside this run's), then official ms, ours and the ratio per component.
     */
    void print(List<Bench.Row> rows, double gemmHere, PrintStream out) {
        out.println();
        out.println("official PyTorch code on CPU (" + source + "); only figures from one sitting on one host compare:");
        out.println("the ratios below set this run against another host on another day, so read them as a rough guide");
        String fmt = "  %-6s %-25s %22s %11s %15s%n";
        for (Sitting s : sittings) {
            List<String[]> lines = new ArrayList<>();
            for (Bench.Row r : rows) {
                String component = r.component().replace(" (composed)", "").replace(" (fused)", "");
                Range official = s.ms().getOrDefault(r.config(), Map.of()).get(component.replace(' ', '_'));
                if (official == null) {
                    continue;
                }
                Range ratio = new Range(r.medianMs() / official.high(), r.medianMs() / official.low());
                lines.add(new String[] {r.config(), r.component(), official.format("%.1f"),
                    String.format(Locale.ROOT, "%.1f", r.medianMs()), ratio.format("%.2f") + "x"});
            }
            if (lines.isEmpty()) {
                continue;
            }
            out.printf(Locale.ROOT, "sitting of %s on %s; GEMM %s GFLOP/s there, %.1f in this run%s%n", s.date(), s.host(),
                    s.gemmGflops().format("%.0f"), gemmHere, s.gemmGflops().contains(gemmHere) ? ""
                            : " (outside that range: not the same host)");
            out.printf(Locale.ROOT, fmt, "config", "component", "official ms " + s.date(), "ours ms",
                    "ours/official");
            for (String[] l : lines) {
                out.printf(Locale.ROOT, fmt, (Object[]) l);
            }
        }
    }
}
