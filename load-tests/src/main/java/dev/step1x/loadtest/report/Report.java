package dev.step1x.loadtest.report;

import dev.step1x.contracts.ContractJson;
import dev.step1x.loadtest.check.CheckResult;
import dev.step1x.loadtest.scenario.Criterion;
import dev.step1x.loadtest.scenario.ScenarioResult;
import dev.step1x.loadtest.scenario.Settings;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The outputs of a load run: {@code index.html} (tables and inline SVG plots, no scripts, no downloads),
 * {@code summary.json}, and the summary table on the console.
 */
public final class Report {

    private Report() {}

    /** Totals over scenarios. */
    public record Totals(int lost, int duplicated, int conflicting, int unanswered, int failedScenarios) {
        public boolean ok() {
            return lost == 0 && duplicated == 0 && conflicting == 0 && unanswered == 0 && failedScenarios == 0;
        }
    }

    public static Totals totals(List<ScenarioResult> results) {
        int lost = 0;
        int dup = 0;
        int conflicting = 0;
        int unans = 0;
        int failed = 0;
        for (ScenarioResult r : results) {
            lost += r.lost();
            dup += r.duplicated();
            conflicting += r.conflicting();
            unans += r.unanswered();
            failed += r.passed() ? 0 : 1;
        }
        return new Totals(lost, dup, conflicting, unans, failed);
    }

    // ------------------------------------------------------------------ console

    /** The summary table, then the last line {@code lost=N duplicated=N conflicting=N unanswered=N}. */
    public static void printSummary(List<ScenarioResult> results, PrintStream out) {
        String fmt = "%-22s %-5s %6s %6s %6s %5s %5s %6s %6s %7s %7s %6s %7s %8s %8s %6s%n";
        out.println();
        out.printf(fmt, "scenario", "pass", "sent", "ok", "other", "lost", "dup", "confl", "unans", "redeliv",
                "reused", "wrong", "req/s", "p50 ms", "p99 ms", "duty");
        for (ScenarioResult r : results) {
            CheckResult c = r.check();
            RunStats s = r.stats();
            out.printf(fmt, r.name(), r.passed() ? "PASS" : "FAIL",
                    c == null ? "-" : c.sent(), c == null ? "-" : c.succeeded(),
                    c == null ? "-" : c.answered() - c.succeeded(), c == null ? "-" : c.lost(),
                    c == null ? "-" : c.duplicated(), c == null ? "-" : c.conflicting(),
                    c == null ? "-" : c.unanswered(), c == null ? "-" : c.redelivered(),
                    c == null ? "-" : c.answeredFromExisting(), c == null ? "-" : c.wrong(),
                    s == null ? "-" : f2(s.throughput()), s == null ? "-" : f0(s.latency().p50()),
                    s == null ? "-" : f0(s.latency().p99()), s == null || Double.isNaN(s.dutyOverall()) ? "-"
                            : String.format(Locale.ROOT, "%.1f%%", s.dutyOverall() * 100));
        }
        for (ScenarioResult r : results) {
            if (!r.passed()) {
                out.println("  " + r.name() + " failed:" + (r.error() == null ? "" : " error " + r.error()));
                for (Criterion c : r.criteria()) {
                    if (!c.pass()) {
                        out.println("    - " + c.name() + ": " + c.detail());
                    }
                }
                if (r.check() != null) {
                    r.check().problems().stream().limit(8).forEach(p -> out.println("    * " + p));
                }
            }
            benchLine(r, out);
        }
        Totals t = totals(results);
        out.printf("lost=%d duplicated=%d conflicting=%d unanswered=%d%n", t.lost(), t.duplicated(), t.conflicting(),
                t.unanswered());
        out.flush();
    }

    private static void benchLine(ScenarioResult r, PrintStream out) {
        Map<String, Object> b = r.benchmarks();
        switch (r.name()) {
            case "saturation" -> out.printf("  saturation: device duty cycle %s +- %s at saturation (target >= 98 %%; "
                    + "worker-reported %s), throughput %s/s (capacity at 4-row batches %s/s)%n",
                    pct(b.get("dutyCycleSaturated")), pct(b.get("dutyCycleSaturatedPlusMinus")),
                    pct(b.get("dutyCycleSaturatedWorkerReported")), b.get("throughput"), b.get("capacityBs4"));
            case "infra-cpu" -> out.printf("  infra-cpu: %s ms worker CPU per 1024x1024 PNG request (%s ms raw, idle "
                    + "subtracted); by part (ms) %s; stage medians %s%n", b.get("infraCpuMsPerRequest"),
                    b.get("infraCpuMsPerRequestRaw"), b.get("cpuMsPerRequestByPart"), b.get("stageMedianMs"));
            case "demo-batching" -> out.printf("  demo-batching: %s req/s at batch 1, %s req/s with bucket batching%n",
                    b.get("requestsPerSecondBatch1"), b.get("requestsPerSecondBucketBatching"));
            case "sigterm-drain" -> out.printf("  sigterm-drain: worker exited after %s s%n", b.get("drainExitSeconds"));
            case "redeliver-after-upload", "late-redelivery" -> out.printf("  %s: %s requests answered from their "
                    + "existing output objects, all answered %s s after the restart%n", r.name(),
                    b.get("answeredFromExistingRequests"), b.get("recoverySeconds"));
            default -> {
                if (b.containsKey("recoverySeconds")) {
                    out.printf("  %s: %s/s before the fault, %s/s at the end, backlog recovered %s s after it%n",
                            r.name(), b.get("throughputBeforeFault"), b.get("throughputAfterFault"),
                            b.get("recoverySeconds"));
                }
            }
        }
    }

    private static String pct(Object v) {
        return v instanceof Number n ? String.format(Locale.ROOT, "%.2f %%", n.doubleValue() * 100) : "n/a";
    }

    // ------------------------------------------------------------------ JSON

    public static Map<String, Object> summary(List<ScenarioResult> results, Settings settings) {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("generatedAt", Instant.now().toString());
        Map<String, Object> set = new LinkedHashMap<>();
        set.put("mode", settings.mode());
        set.put("profile", settings.profile().name());
        set.put("badShare", settings.profile().badShare());
        set.put("scale", settings.scale());
        set.put("timeScale", settings.timeScale());
        set.put("fixedFraction", settings.fixedFraction());
        set.put("seed", settings.seed());
        set.put("simulatedOutputsVaryPerRun", settings.varyOutputs());
        root.put("settings", set);
        Totals t = totals(results);
        root.put("lost", t.lost());
        root.put("duplicated", t.duplicated());
        root.put("conflicting", t.conflicting());
        root.put("unanswered", t.unanswered());
        root.put("failedScenarios", t.failedScenarios());
        List<Object> list = new ArrayList<>();
        for (ScenarioResult r : results) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", r.name());
            m.put("description", r.description());
            m.put("passed", r.passed());
            m.put("error", r.error());
            m.put("seconds", round(r.seconds()));
            m.put("device", r.device());
            List<Object> crit = new ArrayList<>();
            for (Criterion c : r.criteria()) {
                Map<String, Object> cm = new LinkedHashMap<>();
                cm.put("name", c.name());
                cm.put("pass", c.pass());
                cm.put("detail", c.detail());
                crit.add(cm);
            }
            m.put("criteria", crit);
            CheckResult c = r.check();
            if (c != null) {
                Map<String, Object> cm = new LinkedHashMap<>();
                cm.put("sent", c.sent());
                cm.put("answered", c.answered());
                Map<String, Integer> bs = new LinkedHashMap<>();
                c.byStatus().forEach((k, v) -> bs.put(k.name(), v));
                cm.put("byStatus", bs);
                cm.put("lost", c.lost());
                cm.put("lostCommittedUnanswered", c.lostCommitted());
                cm.put("lostOutputs", c.lostOutputs());
                cm.put("duplicated", c.duplicated());
                cm.put("differingResults", c.differingResults());
                cm.put("conflicting", c.conflicting());
                cm.put("answeredFromExisting", c.answeredFromExisting());
                cm.put("answeredFromExistingRequests", c.answeredFromExistingRequests());
                cm.put("multipleOutputs", c.multipleOutputs());
                cm.put("redelivered", c.redelivered());
                cm.put("redeliveredRequests", c.redeliveredRequests());
                cm.put("redeliveredByteIdentical", c.redeliveredByteIdentical());
                cm.put("unanswered", c.unanswered());
                cm.put("wrong", c.wrong());
                cm.put("orphans", c.orphans());
                cm.put("deadLettered", c.deadLettered());
                cm.put("outputObjects", c.outputObjects());
                cm.put("sendFailed", c.sendFailed());
                cm.put("groupLag", c.groupLag());
                cm.put("problems", c.problems());
                m.put("check", cm);
            }
            RunStats s = r.stats();
            if (s != null) {
                m.put("latencyMs", percentiles(s.latency()));
                m.put("latencySucceededMs", percentiles(s.latencySucceeded()));
                m.put("workerTotalMs", percentiles(s.workerTotal()));
                m.put("throughput", round(s.throughput()));
                m.put("meanBatchRows", round(s.meanRows()));
                m.put("requestsByBatchRows", s.rowsHistogram());
                m.put("dutyCycle", nan(s.dutyOverall()));
                m.put("dutyCycleSaturated", nan(s.dutySaturated()));
                m.put("dutyCycleSaturatedPlusMinus", nan(s.dutySaturatedError()));
                m.put("dutyCycleSaturatedSeconds", round(s.saturatedSeconds()));
                m.put("dutyCycleWorkerReported", nan(s.reportedDuty()));
                m.put("dutyCycleWorkerReportedSaturated", nan(s.reportedDutySaturated()));
            }
            m.put("benchmarks", r.benchmarks());
            m.put("notes", r.notes());
            list.add(m);
        }
        root.put("scenarios", list);
        return root;
    }

    private static Map<String, Object> percentiles(RunStats.Percentiles p) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("count", p.count());
        m.put("p50", p.p50());
        m.put("p90", p.p90());
        m.put("p99", p.p99());
        m.put("max", p.max());
        m.put("mean", round(p.mean()));
        return m;
    }

    private static Object nan(double v) {
        return Double.isNaN(v) ? null : round(v);
    }

    private static double round(double v) {
        return Math.round(v * 10_000) / 10_000.0;
    }

    /** Writes index.html and summary.json into {@code dir}. */
    public static void write(Path dir, List<ScenarioResult> results, Settings settings) {
        try {
            Files.createDirectories(dir);
            Files.writeString(dir.resolve("summary.json"), ContractJson.mapper().writerWithDefaultPrettyPrinter()
                    .writeValueAsString(summary(results, settings)));
            Files.writeString(dir.resolve("index.html"), HtmlReport.render(results, settings));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String f2(double v) {
        return String.format(Locale.ROOT, "%.2f", v);
    }

    static String f0(double v) {
        return String.format(Locale.ROOT, "%.0f", v);
    }
}
