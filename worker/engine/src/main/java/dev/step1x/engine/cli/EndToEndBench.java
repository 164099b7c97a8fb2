package dev.step1x.engine.cli;

import dev.step1x.engine.ModelVersion;
import dev.step1x.engine.image.RgbImage;
import dev.step1x.engine.pipeline.EditInput;
import dev.step1x.engine.pipeline.EditOutput;
import dev.step1x.engine.pipeline.ImageEncoding;
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
        engine.edit(List.of(input(0, sizeLevel, Math.min(steps, 2), version))); // warm-up, loads the DiT
        List<String> stages = List.of("resize", "vaeEncode", "mllm", "denoise", "vaeDecode", "encode", "total");
        StringBuilder head = new StringBuilder(String.format(Locale.ROOT, "%-6s %-20s %10s", "batch", "bucket", "s/edit"));
        for (String s : stages) {
            head.append(String.format(Locale.ROOT, " %10s", s + " ms"));
        }
        head.append(String.format(Locale.ROOT, " %12s", "peak RSS MiB"));
        out.println(head);
        for (int b : batches) {
            List<EditInput> inputs = new ArrayList<>();
            for (int i = 0; i < b; i++) {
                inputs.add(input(i, sizeLevel, steps, version));
            }
            List<EditOutput> results = engine.edit(inputs);
            Map<String, Double> ms = results.get(0).stageMillis();
            StringBuilder row = new StringBuilder(String.format(Locale.ROOT, "%-6d %-20s %10.2f", b,
                    results.get(0).bucket(), ms.get("total") / 1000 / b));
            for (String s : stages) {
                row.append(String.format(Locale.ROOT, " %10.0f", ms.getOrDefault(s, 0.0)));
            }
            row.append(String.format(Locale.ROOT, " %12.0f", results.get(0).peakNativeBytes() / 1048576.0));
            out.println(row);
        }
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
                6f, 42 + index, version, ImageEncoding.PNG);
    }
}
