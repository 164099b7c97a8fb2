package dev.step1x.engine.cli;

import dev.step1x.engine.ModelVersion;
import dev.step1x.engine.image.RgbImage;
import dev.step1x.engine.pipeline.EditInput;
import dev.step1x.engine.pipeline.EditOutput;
import dev.step1x.engine.pipeline.Step1XEditPipeline;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code step1x-edit bench --model DIR}: whole edits on a model directory, batch 1, 2, 4 …, seconds per edit
 * and milliseconds per stage, with the process's peak resident memory. Each batch size runs once after a
 * warm-up edit (the first batch of a model pays for loading the DiT).
 */
final class EndToEndBench {

    private EndToEndBench() {}

    static void run(Step1XEditPipeline engine, int sizeLevel, int steps, ModelVersion version, List<Integer> batches,
            PrintStream out) {
        out.println("end-to-end: " + engine.describe());
        try (PeakMemory memory = new PeakMemory(engine.runtime().device())) {
            warmUp(engine, sizeLevel, steps, version, null);
            printHeader(out, memory, false);
            for (int b : batches) {
                out.println(row(engine, memory, b, sizeLevel, steps, version, null, null));
            }
        }
    }

    /**
     * {@code bench --full-size-random}: every size level and batch size on random weights of the official
     * shapes, each row next to the official H800 figures (batch 1, 28 steps, bf16, flash attention).
     */
    static void runFullSize(Step1XEditPipeline engine, List<Integer> sizeLevels, int steps, ModelVersion version,
            List<Integer> batches, PrintStream out) {
        runFullSize(engine, sizeLevels, steps, version, batches, null, out);
    }

    /** As above, every request with {@code adapter} (a per-request LoRA adapter; null: none). */
    static void runFullSize(Step1XEditPipeline engine, List<Integer> sizeLevels, int steps, ModelVersion version,
            List<Integer> batches, dev.step1x.engine.pipeline.AdapterRef adapter, PrintStream out) {
        out.println("full-size random weights: " + engine.describe()
                + (adapter == null ? "" : "; every request with LoRA adapter " + adapter.name()));
        try (PeakMemory memory = new PeakMemory(engine.runtime().device())) {
            warmUp(engine, sizeLevels.get(0), steps, version, adapter);
            printHeader(out, memory, true);
            for (int level : sizeLevels) {
                for (int b : batches) {
                    try {
                        out.println(row(engine, memory, b, level, steps, version, adapter, OFFICIAL_H800.get(level)));
                    } catch (RuntimeException e) { // e.g. out of device memory: report it and go on with the next row
                        out.printf(Locale.ROOT, "%-6d size level %d failed: %s%n", b, level, e.getMessage());
                    }
                }
            }
        }
        out.println("official: Step1X-Edit README, one H800, batch 1, 28 steps, bf16 + flash-attn (\"786\" = 768)");
    }

    /** The official README's figures on one H800 (docs/model.md): size level -> {s/edit, peak GB}. */
    static final Map<Integer, double[]> OFFICIAL_H800 = Map.of(512, new double[] {5, 42.5}, 768,
            new double[] {11, 46.5}, 1024, new double[] {22, 49.8});

    /** One short edit: loads the DiT and warms the kernels and the allocator. */
    private static void warmUp(Step1XEditPipeline engine, int sizeLevel, int steps, ModelVersion version,
            dev.step1x.engine.pipeline.AdapterRef adapter) {
        engine.edit(List.of(input(0, sizeLevel, Math.min(steps, 2), version).withAdapter(adapter)));
    }

    private static final List<String> STAGES = List.of("resize", "vaeEncode", "mllm", "denoise", "vaeDecode", "encode",
            "total");

    private static void printHeader(PrintStream out, PeakMemory memory, boolean official) {
        StringBuilder head = new StringBuilder(String.format(Locale.ROOT, "%-6s %-20s %10s", "batch", "bucket", "s/edit"));
        for (String s : STAGES) {
            head.append(String.format(Locale.ROOT, " %10s", s + " ms"));
        }
        head.append(String.format(Locale.ROOT, " %13s", memory.label()));
        if (official) {
            head.append(String.format(Locale.ROOT, " %16s %16s", "official s/edit", "official GB"));
        }
        out.println(head);
    }

    private static String row(Step1XEditPipeline engine, PeakMemory memory, int batch, int sizeLevel, int steps,
            ModelVersion version, dev.step1x.engine.pipeline.AdapterRef adapter, double[] official) {
        List<EditInput> inputs = new ArrayList<>();
        for (int i = 0; i < batch; i++) {
            inputs.add(input(i, sizeLevel, steps, version).withAdapter(adapter));
        }
        memory.reset();
        List<EditOutput> results = engine.edit(inputs);
        long peak = memory.peakBytes();
        Map<String, Double> ms = results.get(0).stageMillis();
        StringBuilder row = new StringBuilder(String.format(Locale.ROOT, "%-6d %-20s %10.2f", batch,
                results.get(0).bucket(), ms.get("total") / 1000 / batch));
        for (String s : STAGES) {
            row.append(String.format(Locale.ROOT, " %10.0f", ms.getOrDefault(s, 0.0)));
        }
        row.append(String.format(Locale.ROOT, " %13.1f", peak / (double) (1L << 30)));
        if (official != null) {
            // the official figures are for batch 1; GB there are decimal (1e9)
            row.append(String.format(Locale.ROOT, " %16s %16s", batch == 1 ? fmt(official[0]) : "-",
                    batch == 1 ? fmt(official[1]) + " (" + fmt(official[1] * 1e9 / (1L << 30)) + " GiB)" : "-"));
        }
        return row.toString();
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%.1f", v);
    }

    /** A 1024x768 synthetic photo-like picture per request (different content and seed per index). */
    private static EditInput input(int index, int sizeLevel, int steps, ModelVersion version) {
        int w = 1024;
        int h = 768;
        byte[] d = new byte[w * h * 3];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int i = (y * w + x) * 3;
                d[i] = (byte) (x / 4 + index * 31);
                d[i + 1] = (byte) (y / 3);
                d[i + 2] = (byte) ((x ^ y) + index * 17);
            }
        }
        String[] instructions = {"Make the sky purple and add a full moon.", "把背景换成海边日落",
            "Change the sign to say \"OPEN\"", "Remove the car"};
        return new EditInput(new RgbImage(w, h, d), instructions[index % instructions.length], "", sizeLevel, steps,
                6f, 42 + index, version);
    }
}
