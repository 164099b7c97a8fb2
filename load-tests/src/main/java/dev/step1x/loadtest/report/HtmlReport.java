package dev.step1x.loadtest.report;

import static dev.step1x.loadtest.report.Svg.esc;

import dev.step1x.loadtest.check.CheckResult;
import dev.step1x.loadtest.scenario.Criterion;
import dev.step1x.loadtest.scenario.ScenarioResult;
import dev.step1x.loadtest.scenario.Settings;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.HdrHistogram.Histogram;

/** index.html: one self-contained page (inline CSS and SVG, no scripts, nothing downloaded). */
final class HtmlReport {

    private HtmlReport() {}

    static String render(List<ScenarioResult> results, Settings settings) {
        StringBuilder b = new StringBuilder();
        b.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>Step1X-Edit load test</title>\n")
                .append("<style>body{font-family:sans-serif;margin:24px;max-width:1100px;color:#222}")
                .append("table{border-collapse:collapse;margin:8px 0 16px}td,th{border:1px solid #ccc;padding:3px 7px;")
                .append("font-size:13px;text-align:right}th{background:#f3f3f3}td.l,th.l{text-align:left}")
                .append(".pass{color:#137333;font-weight:bold}.fail{color:#c5221f;font-weight:bold}")
                .append("section{border-top:2px solid #888;margin-top:28px}svg{display:block;margin:6px 0}")
                .append("code{background:#f6f6f6}</style></head><body>\n");
        Report.Totals t = Report.totals(results);
        b.append("<h1>Step1X-Edit worker fleet: load and fault-injection report</h1>\n");
        b.append("<p>").append(esc(ZonedDateTime.now().format(DateTimeFormatter.RFC_1123_DATE_TIME)))
                .append(" &middot; mode <b>").append(esc(settings.mode())).append("</b> &middot; profile <b>")
                .append(esc(settings.profile().name())).append("</b> &middot; scale ").append(settings.scale())
                .append(" &middot; seed ").append(settings.seed()).append(settings.demo() ? "" : settings.varyOutputs()
                        ? " &middot; simulated outputs <b>vary per run</b> (a request computed twice gets another "
                        + "sha256, counted as conflicting)" : " &middot; simulated outputs identical on every run "
                        + "(<code>--identical-reruns</code>: a re-computation does not show)").append("</p>\n");
        b.append("<p class=\"").append(t.ok() ? "pass" : "fail").append("\">lost=").append(t.lost())
                .append(" duplicated=").append(t.duplicated()).append(" conflicting=").append(t.conflicting())
                .append(" unanswered=").append(t.unanswered())
                .append(" &middot; ").append(results.size() - t.failedScenarios()).append(" of ").append(results.size())
                .append(" scenarios passed</p>\n");
        summaryTable(b, results);
        b.append("<p>Definitions: <b>lost</b> = acknowledged (offset committed) but never answered, or SUCCEEDED with no "
                + "output object; <b>duplicated</b> = two different terminal results that are not both SUCCEEDED, or two "
                + "output objects, for one requestId; <b>conflicting</b> = two SUCCEEDED results with different outputs "
                + "(sha256) for one requestId: it was computed twice; <b>redelivered</b> = identical re-publications of a "
                + "result (allowed by at-least-once, counted); <b>reused</b> = SUCCEEDED results taken from the output "
                + "object of an earlier run (no batch); <b>unanswered</b> = no result at the end; <b>wrong</b> = "
                + "unexpected status or code, sha256 "
                + "or size mismatch, invalid result, unknown id. Latency = result record timestamp minus the request's "
                + "scheduled send time (open loop: no coordinated omission), HdrHistogram. Duty cycle = device busy "
                + "time / wall time, from the engine's cumulative compute timer on each worker's Prometheus endpoint "
                + "(scraped every second); <i>saturated</i> = the intervals in which requests were queued at both ends. "
                + "The workers' own WorkerMetrics dutyCycle is listed too (it caps each 1 s window at 1 and credits a "
                + "batch to the window it ends in, so it reads low when batches last about a window).</p>\n");
        for (ScenarioResult r : results) {
            section(b, r);
        }
        b.append("</body></html>\n");
        return b.toString();
    }

    private static void summaryTable(StringBuilder b, List<ScenarioResult> results) {
        b.append("<table><tr><th class=\"l\">scenario</th><th>result</th><th>sent</th><th>succeeded</th><th>other</th>")
                .append("<th>lost</th><th>duplicated</th><th>conflicting</th><th>unanswered</th><th>redelivered</th>")
                .append("<th>reused</th><th>wrong</th>")
                .append("<th>req/s</th><th>p50 ms</th><th>p90 ms</th><th>p99 ms</th><th>max ms</th><th>duty</th>")
                .append("<th>s</th></tr>\n");
        for (ScenarioResult r : results) {
            CheckResult c = r.check();
            RunStats s = r.stats();
            b.append("<tr><td class=\"l\"><a href=\"#").append(esc(r.name())).append("\">").append(esc(r.name()))
                    .append("</a></td><td class=\"").append(r.passed() ? "pass\">PASS" : "fail\">FAIL").append("</td>");
            if (c == null) {
                b.append("<td colspan=\"10\">").append(esc(String.valueOf(r.error()))).append("</td>");
            } else {
                cells(b, c.sent(), c.succeeded(), c.answered() - c.succeeded(), c.lost(), c.duplicated(),
                        c.conflicting(), c.unanswered(), c.redelivered(), c.answeredFromExisting(), c.wrong());
            }
            if (s == null) {
                b.append("<td colspan=\"6\"></td>");
            } else {
                RunStats.Percentiles p = s.latency();
                b.append("<td>").append(Report.f2(s.throughput())).append("</td>");
                cells(b, (long) p.p50(), (long) p.p90(), (long) p.p99(), (long) p.max());
                b.append("<td>").append(Double.isNaN(s.dutyOverall()) ? "-"
                        : String.format(Locale.ROOT, "%.1f%%", s.dutyOverall() * 100)).append("</td>");
            }
            b.append("<td>").append(Report.f0(r.seconds())).append("</td></tr>\n");
        }
        b.append("</table>\n");
    }

    private static void cells(StringBuilder b, long... v) {
        for (long x : v) {
            b.append("<td>").append(x).append("</td>");
        }
    }

    private static void cells(StringBuilder b, int... v) {
        for (int x : v) {
            b.append("<td>").append(x).append("</td>");
        }
    }

    private static void section(StringBuilder b, ScenarioResult r) {
        b.append("<section id=\"").append(esc(r.name())).append("\"><h2>").append(esc(r.name())).append(" <span class=\"")
                .append(r.passed() ? "pass\">PASS" : "fail\">FAIL").append("</span></h2>\n<p>")
                .append(esc(r.description())).append("<br>device: ").append(esc(r.device())).append("</p>\n");
        if (r.error() != null) {
            b.append("<p class=\"fail\">error: ").append(esc(r.error())).append("</p>\n");
        }
        b.append("<table><tr><th class=\"l\">criterion</th><th>result</th><th class=\"l\">measured</th></tr>\n");
        for (Criterion c : r.criteria()) {
            b.append("<tr><td class=\"l\">").append(esc(c.name())).append("</td><td class=\"")
                    .append(c.pass() ? "pass\">pass" : "fail\">FAIL").append("</td><td class=\"l\">").append(esc(c.detail()))
                    .append("</td></tr>\n");
        }
        b.append("</table>\n");
        if (!r.benchmarks().isEmpty()) {
            b.append("<table><tr><th class=\"l\">measured</th><th class=\"l\">value</th></tr>\n");
            for (Map.Entry<String, Object> e : r.benchmarks().entrySet()) {
                b.append("<tr><td class=\"l\">").append(esc(e.getKey())).append("</td><td class=\"l\">")
                        .append(esc(String.valueOf(e.getValue()))).append("</td></tr>\n");
            }
            b.append("</table>\n");
        }
        for (String n : r.notes()) {
            b.append("<p>").append(esc(n)).append("</p>\n");
        }
        RunStats s = r.stats();
        if (s != null) {
            latencyTable(b, s);
            charts(b, s, r.offeredRate());
        }
        CheckResult c = r.check();
        if (c != null && !c.problems().isEmpty()) {
            b.append("<h3>Problems found</h3><ul>\n");
            for (String p : c.problems()) {
                b.append("<li>").append(esc(p)).append("</li>\n");
            }
            b.append("</ul>\n");
        }
        b.append("</section>\n");
    }

    private static void latencyTable(StringBuilder b, RunStats s) {
        b.append("<table><tr><th class=\"l\">latency (ms)</th><th>count</th><th>p50</th><th>p90</th><th>p99</th>")
                .append("<th>p99.9</th><th>max</th><th>mean</th></tr>\n");
        row(b, "end to end, all answers", s.latencyHistogram(), s.latency());
        row(b, "end to end, SUCCEEDED", null, s.latencySucceeded());
        row(b, "worker timings.total", null, s.workerTotal());
        b.append("</table>\n");
        if (!s.stageMedians().isEmpty()) {
            b.append("<p>Stage medians from the results' timings (ms): ").append(esc(s.stageMedians().toString()))
                    .append("</p>\n");
        }
    }

    private static void row(StringBuilder b, String name, Histogram h, RunStats.Percentiles p) {
        b.append("<tr><td class=\"l\">").append(esc(name)).append("</td><td>").append(p.count()).append("</td>");
        cells(b, (long) p.p50(), (long) p.p90(), (long) p.p99());
        b.append("<td>").append(h == null || h.getTotalCount() == 0 ? "" : Long.toString(h.getValueAtPercentile(99.9)))
                .append("</td><td>").append((long) p.max()).append("</td><td>").append(Report.f0(p.mean()))
                .append("</td></tr>\n");
    }

    private static void charts(StringBuilder b, RunStats s, double offered) {
        List<Svg.Marker> markers = s.events().stream().map(e -> new Svg.Marker(e.t(), e.label())).toList();
        double[] answered = s.answeredPerBin();
        double[] x = new double[answered.length];
        for (int i = 0; i < x.length; i++) {
            x[i] = i * RunStats.BIN_SECONDS;
        }
        List<Svg.Series> tp = new ArrayList<>(List.of(new Svg.Series("answered/s", x, perSecond(answered)),
                new Svg.Series("succeeded/s", x, perSecond(s.succeededPerBin())),
                new Svg.Series("sent/s", x, perSecond(s.sentPerBin()))));
        if (!Double.isNaN(offered) && offered > 0) {
            tp.add(new Svg.Series("offered", new double[] {0, s.durationSeconds()}, new double[] {offered, offered}));
        }
        b.append(Svg.lineChart("Throughput over time", "seconds since load start", "requests / s", tp, markers, true));

        List<double[]> w = s.latencyWindows();
        double[] lx = new double[w.size()];
        double[][] ly = new double[4][w.size()];
        for (int i = 0; i < w.size(); i++) {
            lx[i] = w.get(i)[0];
            for (int k = 0; k < 4; k++) {
                ly[k][i] = w.get(i)[k + 1];
            }
        }
        b.append(Svg.lineChart("Latency percentiles by completion time (" + RunStats.LATENCY_WINDOW_SECONDS
                + " s windows, HdrHistogram)", "seconds since load start", "ms", List.of(
                new Svg.Series("p50", lx, ly[0]), new Svg.Series("p90", lx, ly[1]), new Svg.Series("p99", lx, ly[2]),
                new Svg.Series("max", lx, ly[3])), markers, false));

        List<String> labels = new ArrayList<>();
        List<Double> reqs = new ArrayList<>();
        s.rowsHistogram().forEach((rows, n) -> {
            labels.add(rows + (rows == 1 ? " row" : " rows"));
            reqs.add((double) n);
        });
        List<String> bLabels = new ArrayList<>();
        List<Double> batches = new ArrayList<>();
        s.batchesByRows().forEach((rows, n) -> {
            bLabels.add(rows + (rows == 1 ? " row" : " rows"));
            batches.add((double) n);
        });
        b.append(Svg.barChart(String.format(Locale.ROOT, "Batches by rows (mean %.2f rows per batch)", s.meanRows()),
                "batch rows", "batches", bLabels, batches.stream().mapToDouble(d -> d).toArray()));
        b.append(Svg.barChart("Requests by the rows of their batch", "batch rows", "requests", labels,
                reqs.stream().mapToDouble(d -> d).toArray()));

        List<Svg.Series> duty = new ArrayList<>();
        s.dutyByWorker().forEach((worker, pts) -> duty.add(series(worker, pts, 100)));
        if (!duty.isEmpty()) {
            b.append(Svg.lineChart(String.format(Locale.ROOT, "Device duty cycle = engine compute / wall, trailing %d s "
                    + "(overall %.1f %%%s)", RunStats.DUTY_WINDOW_SECONDS, s.dutyOverall() * 100,
                    Double.isNaN(s.dutySaturated()) ? "" : String.format(Locale.ROOT, ", saturated %.1f %%",
                            s.dutySaturated() * 100)), "seconds since load start", "% busy", duty, markers, false, 120));
        }
        List<Svg.Series> q = new ArrayList<>();
        s.queueByWorker().forEach((worker, pts) -> q.add(series("queued in " + worker, pts, 1)));
        double[] backlog = s.backlog();
        q.add(new Svg.Series("sent - answered", x, backlog));
        b.append(Svg.lineChart("Queue depth", "seconds since load start", "requests", q, markers, false));
    }

    private static Svg.Series series(String name, List<double[]> pts, double scale) {
        double[] x = new double[pts.size()];
        double[] y = new double[pts.size()];
        for (int i = 0; i < pts.size(); i++) {
            x[i] = pts.get(i)[0];
            y[i] = pts.get(i)[1] * scale;
        }
        return new Svg.Series(name, x, y);
    }

    private static double[] perSecond(double[] perBin) {
        double[] r = new double[perBin.length];
        for (int i = 0; i < r.length; i++) {
            r[i] = perBin[i] / RunStats.BIN_SECONDS;
        }
        return r;
    }
}
