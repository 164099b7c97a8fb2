package dev.step1x.worker.local;

import dev.step1x.contracts.EditResult;
import dev.step1x.contracts.Timings;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The page {@code bin/step1x-worker local} leaves next to the images ({@code index.html}): per request the
 * input and the output side by side, the instruction, the outcome, the size level, bucket and batch size, and
 * the stage timings the result carries. Everything that comes from a request or a result is HTML-escaped;
 * image paths are relative to the page.
 */
final class LocalRunReport {

    /** One request of the run, with the result if one came back. */
    record Row(String requestId, String instruction, int sizeLevel, int steps, String inputKey, Path inputFile,
            EditResult result, Path outputFile) {}

    /** The run as a whole. */
    record Run(String engine, boolean simulated, Instant started, double seconds, List<Row> rows) {}

    private LocalRunReport() {}

    static String html(Run run) {
        StringBuilder h = new StringBuilder(16_384);
        long ok = run.rows().stream().filter(r -> r.result() != null && r.result().isSucceeded()).count();
        h.append("""
                <!DOCTYPE html>
                <html lang="en">
                <head>
                <meta charset="utf-8">
                <title>step1x-worker local: %d of %d succeeded</title>
                <style>
                body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em; color: #222; }
                h1 { font-size: 1.3em; margin: 0 0 .3em; }
                .meta { color: #555; margin-bottom: 1em; }
                .simulated { background: #b00020; color: #fff; padding: .6em 1em; font-weight: bold; margin-bottom: 1em; }
                .req { border: 1px solid #ccc; border-radius: 6px; padding: .8em 1em; margin: 0 0 1.2em; }
                .req.fail { border-color: #b00020; }
                .pair { display: flex; gap: 1em; flex-wrap: wrap; align-items: flex-start; }
                figure { margin: 0; }
                figure img { max-width: 45vw; max-height: 420px; border: 1px solid #ddd; background: #f4f4f4; }
                figcaption { color: #555; font-size: .9em; }
                table { border-collapse: collapse; margin-top: .6em; }
                td, th { padding: .15em .7em .15em 0; text-align: left; vertical-align: top; }
                th { color: #555; font-weight: normal; }
                .num { text-align: right; font-variant-numeric: tabular-nums; }
                .SUCCEEDED { color: #1b7f3b; font-weight: bold; }
                .FAILED, .REJECTED, .EXPIRED, .NONE { color: #b00020; font-weight: bold; }
                </style>
                </head>
                <body>
                """.formatted(ok, run.rows().size()));
        h.append("<h1>step1x-worker local: ").append(ok).append(" of ").append(run.rows().size())
                .append(" requests succeeded</h1>\n");
        h.append("<div class=\"meta\">").append(esc(run.engine())).append("<br>started ")
                .append(esc(run.started().toString())).append(", ")
                .append(String.format(Locale.ROOT, "%.1f", run.seconds())).append(" s including start-up</div>\n");
        if (run.simulated()) {
            h.append("<div class=\"simulated\">SIMULATED engine: the outputs are colour-inverted inputs, not"
                    + " Step1X-Edit edits (every result carries worker.simulated=true).</div>\n");
        }
        for (Row r : run.rows()) {
            row(h, r);
        }
        h.append("</body>\n</html>\n");
        return h.toString();
    }

    private static void row(StringBuilder h, Row r) {
        EditResult res = r.result();
        String status = res == null ? "NONE" : res.status().name();
        h.append("<section class=\"req").append(res != null && res.isSucceeded() ? "" : " fail").append("\" id=\"")
                .append(esc(r.requestId())).append("\">\n");
        h.append("<h2>").append(esc(r.requestId())).append(" <span class=\"").append(status).append("\">")
                .append(res == null ? "no result" : status).append("</span></h2>\n");
        h.append("<p><b>Instruction:</b> ").append(esc(r.instruction())).append("</p>\n");
        h.append("<div class=\"pair\">\n");
        figure(h, r.inputFile(), "input: " + r.inputKey());
        if (r.outputFile() != null) {
            figure(h, r.outputFile(), "output: s3://" + res.output().bucket() + "/" + res.output().key() + " ("
                    + res.output().width() + "x" + res.output().height() + ")");
        }
        h.append("</div>\n<table>\n");
        if (res != null && res.error() != null) {
            tr(h, "error", res.error().code() + ": " + res.error().message()
                    + (res.error().retryable() ? " (retryable)" : ""));
        }
        tr(h, "size level", Integer.toString(r.sizeLevel()));
        tr(h, "steps", Integer.toString(r.steps()));
        tr(h, "bucket", res == null || res.batch() == null ? "-" : res.batch().bucketKey());
        tr(h, "batch size", res == null || res.batch() == null ? "-" : res.batch().rows() + " request(s)");
        if (res != null && res.worker() != null) {
            EditResult.WorkerInfo w = res.worker();
            tr(h, "worker", w.id() + ", " + w.modelVersion().wire() + ", " + w.device() + ", engine " + w.engineVersion()
                    + (Boolean.TRUE.equals(w.simulated()) ? ", SIMULATED" : ""));
        }
        h.append("</table>\n");
        Map<String, Double> stages = stages(res == null ? null : res.timings());
        if (!stages.isEmpty()) {
            h.append("<table class=\"timings\">\n<tr><th>stage</th><th class=\"num\">ms</th></tr>\n");
            stages.forEach((k, v) -> h.append("<tr><td>").append(esc(k)).append("</td><td class=\"num\">")
                    .append(String.format(Locale.ROOT, "%.1f", v)).append("</td></tr>\n"));
            h.append("</table>\n");
        }
        h.append("</section>\n");
    }

    /** The stages the result measured, in pipeline order (stages shared by a batch report the batch's time). */
    static Map<String, Double> stages(Timings t) {
        Map<String, Double> m = new LinkedHashMap<>();
        if (t == null) {
            return m;
        }
        put(m, "queue", t.queue());
        put(m, "fetch", t.fetch());
        put(m, "decode", t.decode());
        put(m, "mllm (batch)", t.mllm());
        put(m, "vaeEncode (batch)", t.vaeEncode());
        put(m, "denoise (batch)", t.denoise());
        put(m, "vaeDecode (batch)", t.vaeDecode());
        put(m, "encode", t.encode());
        put(m, "upload", t.upload());
        put(m, "total", t.total());
        return m;
    }

    private static void put(Map<String, Double> m, String k, Double v) {
        if (v != null) {
            m.put(k, v);
        }
    }

    private static void figure(StringBuilder h, Path file, String caption) {
        h.append("<figure><img src=\"").append(esc(relativeUrl(file))).append("\" alt=\"").append(esc(caption))
                .append("\"><figcaption>").append(esc(caption)).append("</figcaption></figure>\n");
    }

    private static void tr(StringBuilder h, String k, String v) {
        h.append("<tr><th>").append(esc(k)).append("</th><td>").append(esc(v)).append("</td></tr>\n");
    }

    /** A path relative to the page as a URL: each segment percent-encoded, led by "./" so no segment reads as a scheme. */
    static String relativeUrl(Path relative) {
        List<String> parts = new ArrayList<>();
        for (Path p : relative) {
            parts.add(URLEncoder.encode(p.toString(), StandardCharsets.UTF_8).replace("+", "%20"));
        }
        return "./" + String.join("/", parts);
    }

    /** HTML text and attribute escaping. */
    static String esc(String s) {
        if (s == null) {
            return "";
        }
        StringBuilder b = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> b.append("&amp;");
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                default -> b.append(c);
            }
        }
        return b.toString();
    }
}
