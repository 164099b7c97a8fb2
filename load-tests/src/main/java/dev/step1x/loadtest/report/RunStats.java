package dev.step1x.loadtest.report;

import dev.step1x.contracts.EditResult;
import dev.step1x.contracts.Timings;
import dev.step1x.contracts.WorkerMetrics;
import dev.step1x.loadtest.check.ResultCollector;
import dev.step1x.loadtest.env.WorkerProcess;
import dev.step1x.loadtest.gen.SentRequest;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.HdrHistogram.Histogram;

/**
 * The numbers and series of one run, from what was sent, the first result of each request and the workers'
 * metrics snapshots. Times are seconds since {@link #startMs()}.
 */
public final class RunStats {

    /** Width of the throughput and queue bins, seconds. */
    public static final int BIN_SECONDS = 1;
    /** Width of the latency-percentile windows, seconds. */
    public static final int LATENCY_WINDOW_SECONDS = 5;

    /** A labelled instant (a fault, a restart), seconds since start. */
    public record Event(double t, String label) {}

    /** Latency percentiles in ms. */
    public record Percentiles(long count, double p50, double p90, double p99, double max, double mean) {
        static Percentiles of(Histogram h) {
            if (h.getTotalCount() == 0) {
                return new Percentiles(0, 0, 0, 0, 0, 0);
            }
            return new Percentiles(h.getTotalCount(), h.getValueAtPercentile(50), h.getValueAtPercentile(90),
                    h.getValueAtPercentile(99), h.getMaxValue(), h.getMean());
        }
    }

    private final long startMs;
    private final long endMs;
    private final List<Event> events;
    private final Histogram latency = histogram();
    private final Histogram latencySucceeded = histogram();
    private final Histogram workerTotal = histogram();
    private final double[] answeredPerBin;
    private final double[] succeededPerBin;
    private final double[] sentPerBin;
    private final double[] backlog;
    private final List<double[]> latencyWindows = new ArrayList<>(); // t, p50, p90, p99, max
    private final TreeMap<Integer, Long> rowsHistogram = new TreeMap<>();
    private final Map<String, List<double[]>> dutyByWorker = new TreeMap<>(); // t, duty
    private final Map<String, List<double[]>> queueByWorker = new TreeMap<>(); // t, depth
    /** Trailing window of the duty-cycle plot, seconds. */
    public static final int DUTY_WINDOW_SECONDS = 5;

    private double reportedDuty = Double.NaN;
    private double reportedDutySaturated = Double.NaN;
    private double dutyOverall = Double.NaN;
    private double dutySaturated = Double.NaN;
    private double saturatedSeconds;
    private double dutySaturatedError = Double.NaN;
    private final Map<String, Histogram> stageMs = new TreeMap<>();
    private double firstAnswerS = Double.NaN;
    private double lastAnswerS = Double.NaN;
    private int answered;
    private int succeeded;

    public RunStats(long startMs, long endMs, Collection<SentRequest> sent, List<ResultCollector.Received> results,
            List<ResultCollector.MetricsSample> metricsSamples, List<WorkerProcess.DeviceSample> deviceSamples,
            List<Event> events) {
        this.startMs = startMs;
        this.endMs = Math.max(endMs, startMs + 1000);
        this.events = List.copyOf(events);
        int bins = (int) Math.ceil((this.endMs - startMs) / 1000.0 / BIN_SECONDS) + 1;
        answeredPerBin = new double[bins];
        succeededPerBin = new double[bins];
        sentPerBin = new double[bins];
        backlog = new double[bins];

        Map<String, SentRequest> byId = new HashMap<>();
        for (SentRequest s : sent) {
            byId.put(s.requestId(), s);
            int b = bin(s.intendedAtMs());
            if (b >= 0) {
                sentPerBin[b]++;
            }
        }
        Set<String> seen = new HashSet<>();
        Map<Integer, Histogram> windows = new TreeMap<>();
        for (ResultCollector.Received r : results) {
            EditResult res = r.result();
            if (res == null || !byId.containsKey(res.requestId()) || !seen.add(res.requestId())) {
                continue;
            }
            SentRequest s = byId.get(res.requestId());
            answered++;
            long lat = Math.max(0, r.timestampMs() - s.intendedAtMs());
            latency.recordValue(lat);
            int b = bin(r.timestampMs());
            if (b >= 0) {
                answeredPerBin[b]++;
            }
            double t = (r.timestampMs() - startMs) / 1000.0;
            firstAnswerS = Double.isNaN(firstAnswerS) ? t : Math.min(firstAnswerS, t);
            lastAnswerS = Double.isNaN(lastAnswerS) ? t : Math.max(lastAnswerS, t);
            windows.computeIfAbsent((int) Math.floor(t / LATENCY_WINDOW_SECONDS), k -> histogram()).recordValue(lat);
            if (res.isSucceeded()) {
                succeeded++;
                latencySucceeded.recordValue(lat);
                if (b >= 0) {
                    succeededPerBin[b]++;
                }
            }
            Timings tm = res.timings();
            if (tm != null && tm.total() != null) {
                workerTotal.recordValue(Math.round(tm.total()));
            }
            if (res.batch() != null && res.isSucceeded()) {
                rowsHistogram.merge(res.batch().rows(), 1L, Long::sum);
            }
            if (tm != null) {
                stage("fetch", tm.fetch());
                stage("decode", tm.decode());
                stage("encode", tm.encode());
                stage("upload", tm.upload());
                stage("queue", tm.queue());
            }
        }
        for (Map.Entry<Integer, Histogram> e : windows.entrySet()) {
            Histogram h = e.getValue();
            latencyWindows.add(new double[] {(e.getKey() + 0.5) * LATENCY_WINDOW_SECONDS, h.getValueAtPercentile(50),
                    h.getValueAtPercentile(90), h.getValueAtPercentile(99), h.getMaxValue()});
        }
        double cumSent = 0;
        double cumAnswered = 0;
        for (int i = 0; i < bins; i++) {
            cumSent += sentPerBin[i];
            cumAnswered += answeredPerBin[i];
            backlog[i] = cumSent - cumAnswered;
        }
        metrics(metricsSamples);
        device(deviceSamples);
    }

    /**
     * Duty cycle from the engine's cumulative compute time (Prometheus timer, scraped every second): busy =
     * growth of the sum, wall = time between scrapes. A batch counts when it ends, so single seconds jump;
     * the series is a trailing {@link #DUTY_WINDOW_SECONDS} window, the totals are sums over all intervals.
     */
    private void device(List<WorkerProcess.DeviceSample> samples) {
        Map<String, List<WorkerProcess.DeviceSample>> byWorker = new TreeMap<>();
        for (WorkerProcess.DeviceSample s : samples) {
            byWorker.computeIfAbsent(s.workerId(), k -> new ArrayList<>()).add(s);
        }
        double busy = 0;
        double wall = 0;
        double busySat = 0;
        double wallSat = 0;
        long batchesSat = 0;
        int runs = 0;
        for (Map.Entry<String, List<WorkerProcess.DeviceSample>> e : byWorker.entrySet()) {
            boolean inRun = false;
            List<WorkerProcess.DeviceSample> l = e.getValue();
            l.sort(java.util.Comparator.comparingLong(WorkerProcess.DeviceSample::epochMs));
            List<double[]> series = new ArrayList<>();
            for (int i = 1; i < l.size(); i++) {
                WorkerProcess.DeviceSample a = l.get(i - 1);
                WorkerProcess.DeviceSample b = l.get(i);
                double db = b.computeSeconds() - a.computeSeconds();
                double dw = (b.epochMs() - a.epochMs()) / 1000.0;
                if (db < 0 || dw <= 0 || dw > 5 || a.epochMs() < startMs || b.epochMs() > endMs) {
                    continue; // a restart (counters reset), a gap, or outside the run
                }
                busy += db;
                wall += dw;
                if (a.queued() > 0 && b.queued() > 0) {
                    busySat += db;
                    wallSat += dw;
                    batchesSat += b.batches() - a.batches();
                    if (!inRun) {
                        runs++;
                    }
                    inRun = true;
                } else {
                    inRun = false;
                }
                // trailing window for the plot
                int j = i;
                while (j > 0 && b.epochMs() - l.get(j - 1).epochMs() <= DUTY_WINDOW_SECONDS * 1000L + 500
                        && l.get(j - 1).computeSeconds() <= l.get(j).computeSeconds()) {
                    j--;
                }
                WorkerProcess.DeviceSample w0 = l.get(j);
                double ww = (b.epochMs() - w0.epochMs()) / 1000.0;
                if (ww > 0) {
                    series.add(new double[] {(b.epochMs() - startMs) / 1000.0, (b.computeSeconds() - w0.computeSeconds()) / ww});
                }
            }
            if (!series.isEmpty()) {
                dutyByWorker.put(e.getKey(), series);
            }
        }
        dutyOverall = wall > 0 ? busy / wall : Double.NaN;
        dutySaturated = wallSat > 0 ? busySat / wallSat : Double.NaN;
        saturatedSeconds = wallSat;
        // a batch counts when it ends: each contiguous saturated stretch may gain or lose up to one batch
        dutySaturatedError = batchesSat > 0 ? runs * (busySat / batchesSat) / wallSat : Double.NaN;
    }

    /** Queue depth and the worker-reported duty cycle from the WorkerMetrics snapshots. */
    private void metrics(List<ResultCollector.MetricsSample> samples) {
        double busy = 0;
        double wall = 0;
        double busySat = 0;
        double wallSat = 0;
        Map<String, Long> lastDepth = new HashMap<>();
        for (ResultCollector.MetricsSample s : samples) {
            WorkerMetrics m = s.metrics();
            double t = (m.timestamp().toEpochMilli() - startMs) / 1000.0;
            if (t < 0 || t > (endMs - startMs) / 1000.0 + 5) {
                continue;
            }
            long depth = m.queue().depth();
            queueByWorker.computeIfAbsent(m.workerId(), k -> new ArrayList<>()).add(new double[] {t, depth});
            Double duty = m.device().dutyCycle();
            if (duty != null) {
                busy += duty * m.windowSeconds();
                wall += m.windowSeconds();
                Long prev = lastDepth.get(m.workerId());
                // saturated window: requests were waiting at its start and at its end
                if (prev != null && prev > 0 && depth > 0) {
                    busySat += duty * m.windowSeconds();
                    wallSat += m.windowSeconds();
                }
            }
            lastDepth.put(m.workerId(), depth);
        }
        reportedDuty = wall > 0 ? busy / wall : Double.NaN;
        reportedDutySaturated = wallSat > 0 ? busySat / wallSat : Double.NaN;
    }

    private void stage(String name, Double ms) {
        if (ms != null) {
            stageMs.computeIfAbsent(name, k -> histogram()).recordValue(Math.round(ms * 100)); // 0.01 ms units
        }
    }

    private int bin(long epochMs) {
        long d = epochMs - startMs;
        if (d < 0) {
            return -1;
        }
        int b = (int) (d / 1000 / BIN_SECONDS);
        return b < answeredPerBin.length ? b : answeredPerBin.length - 1;
    }

    private static Histogram histogram() {
        Histogram h = new Histogram(3);
        h.setAutoResize(true);
        return h;
    }

    // ------------------------------------------------------------------ accessors

    public long startMs() {
        return startMs;
    }

    public double durationSeconds() {
        return (endMs - startMs) / 1000.0;
    }

    public List<Event> events() {
        return events;
    }

    public Percentiles latency() {
        return Percentiles.of(latency);
    }

    public Percentiles latencySucceeded() {
        return Percentiles.of(latencySucceeded);
    }

    /** Worker-side {@code timings.total} (Kafka timestamp to result ready). */
    public Percentiles workerTotal() {
        return Percentiles.of(workerTotal);
    }

    /** The whole latency distribution, for the report's percentile table. */
    public Histogram latencyHistogram() {
        return latency;
    }

    /** Median per stage in ms (fetch, decode, encode, upload, queue) from the results' timings. */
    public Map<String, Double> stageMedians() {
        Map<String, Double> m = new TreeMap<>();
        stageMs.forEach((k, h) -> m.put(k, h.getValueAtPercentile(50) / 100.0));
        return m;
    }

    public Map<String, Double> stageMeans() {
        Map<String, Double> m = new TreeMap<>();
        stageMs.forEach((k, h) -> m.put(k, h.getMean() / 100.0));
        return m;
    }

    public double[] answeredPerBin() {
        return answeredPerBin.clone();
    }

    public double[] succeededPerBin() {
        return succeededPerBin.clone();
    }

    public double[] sentPerBin() {
        return sentPerBin.clone();
    }

    public double[] backlog() {
        return backlog.clone();
    }

    /** Per {@link #LATENCY_WINDOW_SECONDS} window of completion time: t, p50, p90, p99, max (ms). */
    public List<double[]> latencyWindows() {
        return latencyWindows;
    }

    /** Requests (SUCCEEDED) by the number of rows of the batch they ran in. */
    public TreeMap<Integer, Long> rowsHistogram() {
        return rowsHistogram;
    }

    /** Batches by rows, derived: requests in batches of r rows / r. */
    public TreeMap<Integer, Long> batchesByRows() {
        TreeMap<Integer, Long> m = new TreeMap<>();
        rowsHistogram.forEach((r, n) -> m.put(r, Math.round(n / (double) r)));
        return m;
    }

    public double meanRows() {
        long req = 0;
        double batches = 0;
        for (Map.Entry<Integer, Long> e : rowsHistogram.entrySet()) {
            req += e.getValue();
            batches += e.getValue() / (double) e.getKey();
        }
        return batches > 0 ? req / batches : 0;
    }

    public Map<String, List<double[]>> dutyByWorker() {
        return dutyByWorker;
    }

    public Map<String, List<double[]>> queueByWorker() {
        return queueByWorker;
    }

    /**
     * The duty cycle the workers report in their WorkerMetrics snapshots (busy / window, capped at 1; a batch
     * counts in the window it ends in), over all windows.
     */
    public double reportedDuty() {
        return reportedDuty;
    }

    /** {@link #reportedDuty()} over the windows with requests queued at both ends. */
    public double reportedDutySaturated() {
        return reportedDutySaturated;
    }

    /** Engine compute time / wall time over every scrape interval of every worker (mean per worker). */
    public double dutyOverall() {
        return dutyOverall;
    }

    /** Compute / wall over the scrape intervals with requests queued at both ends (device saturated). */
    public double dutySaturated() {
        return dutySaturated;
    }

    /**
     * Bound of the error of {@link #dutySaturated()}: busy time is credited when a batch ends, so each
     * contiguous saturated stretch may count up to one batch too many or too few.
     */
    public double dutySaturatedError() {
        return dutySaturatedError;
    }

    public double saturatedSeconds() {
        return saturatedSeconds;
    }

    public int answered() {
        return answered;
    }

    public int succeeded() {
        return succeeded;
    }

    /** Answers per second from the first send to the last answer. */
    public double throughput() {
        if (answered == 0 || Double.isNaN(lastAnswerS)) {
            return 0;
        }
        double first = 0;
        for (int i = 0; i < sentPerBin.length; i++) {
            if (sentPerBin[i] > 0) {
                first = i * BIN_SECONDS;
                break;
            }
        }
        return answered / Math.max(0.001, lastAnswerS - first);
    }

    /** Answers per second in [from, to) seconds since start. */
    public double throughputBetween(double from, double to) {
        if (to <= from) {
            return 0;
        }
        double n = 0;
        for (int i = 0; i < answeredPerBin.length; i++) {
            double a = i * BIN_SECONDS;
            double b = a + BIN_SECONDS;
            double overlap = Math.max(0, Math.min(b, to) - Math.max(a, from));
            n += answeredPerBin[i] * overlap / BIN_SECONDS;
        }
        return n / (to - from);
    }

    /** Backlog (sent - answered) at second t. */
    public double backlogAt(double t) {
        int i = (int) Math.floor(t / BIN_SECONDS);
        return backlog[Math.max(0, Math.min(backlog.length - 1, i))];
    }

    public double lastAnswerSeconds() {
        return lastAnswerS;
    }
}
