package dev.step1x.loadtest.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.step1x.contracts.ContractJson;
import dev.step1x.contracts.EditResult;
import dev.step1x.contracts.ModelVersion;
import dev.step1x.contracts.ResultStatus;
import dev.step1x.contracts.Timings;
import dev.step1x.contracts.WorkerMetrics;
import dev.step1x.loadtest.check.ResultCollector;
import dev.step1x.loadtest.env.WorkerProcess;
import dev.step1x.loadtest.gen.InputCatalog;
import dev.step1x.loadtest.gen.Profile;
import dev.step1x.loadtest.gen.RequestFactory;
import dev.step1x.loadtest.gen.SentRequest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class RunStatsTest {

    static final long T0 = 1_700_000_000_000L;

    @Test
    void latencyThroughputBatchesAndDutyFromSyntheticRun() {
        Profile p = Profile.preset("square-512");
        RequestFactory f = new RequestFactory(p, "lt-s", "lt-outputs", InputCatalog.withoutUpload("lt-inputs", "s/", p), 1);
        List<SentRequest> sent = new ArrayList<>();
        List<ResultCollector.Received> results = new ArrayList<>();
        // 100 requests, one every 100 ms; each answered 250 ms later in batches of 2; the first one twice
        for (int i = 0; i < 100; i++) {
            SentRequest s = new SentRequest(f.next(), T0 + i * 100L);
            s.acked(0, i, T0 + i * 100L);
            sent.add(s);
            EditResult r = new EditResult(1, s.requestId(), ResultStatus.SUCCEEDED,
                    new EditResult.OutputRef("lt-outputs", "k", "e", "0".repeat(64), 256, 256, "image/png"), null,
                    new Timings(10.0, 2.0, 1.0, 20.0, 10.0, 160.0, 10.0, 5.0, 3.0, 250.0),
                    new EditResult.BatchInfo(2, "v1.1:512x512:28"), new EditResult.WorkerInfo("w1", ModelVersion.V1_1, "cpu", "x"),
                    1, Instant.ofEpochMilli(T0 + i * 100L + 250), null);
            byte[] json = ContractJson.toBytes(r);
            results.add(new ResultCollector.Received(s.requestId(), json, r, null, T0 + i * 100L + 250, 0, i, 0));
            if (i == 0) {
                results.add(new ResultCollector.Received(s.requestId(), json, r, null, T0 + 5000, 0, 500, 0));
            }
        }
        List<ResultCollector.MetricsSample> metrics = new ArrayList<>();
        for (int sec = 1; sec <= 10; sec++) {
            WorkerMetrics m = new WorkerMetrics(1, "w1", Instant.ofEpochMilli(T0 + sec * 1000L), 1.0, ModelVersion.V1_1, "x",
                    new WorkerMetrics.Counters(new WorkerMetrics.RequestCounts(10, 0, 0, 0), 5, 0),
                    new WorkerMetrics.Device("cpu", null, null, sec <= 5 ? 0.99 : 0.5),
                    new WorkerMetrics.Queue(sec <= 5 ? 3 : 0, null), null, new WorkerMetrics.Throughput(10, 5));
            metrics.add(new ResultCollector.MetricsSample(m, T0 + sec * 1000L));
        }
        // engine compute: busy 0.99 s per second while queued (seconds 0..5), then 0.5 s per second, idle queue
        List<WorkerProcess.DeviceSample> device = new ArrayList<>();
        double busy = 0;
        for (int sec = 0; sec <= 10; sec++) {
            device.add(new WorkerProcess.DeviceSample("w1", T0 + sec * 1000L, busy, sec, sec <= 5 ? 3 : 0));
            busy += sec < 5 ? 0.99 : 0.5;
        }
        RunStats s = new RunStats(T0, T0 + 11_000, sent, results, metrics, device, List.of(new RunStats.Event(5, "fault")));
        assertThat(s.answered()).isEqualTo(100);
        assertThat(s.latency().p50()).isCloseTo(250, within(1.0));
        assertThat(s.latency().max()).isCloseTo(250, within(1.0));
        assertThat(s.throughput()).isCloseTo(100 / 10.15, within(0.05));
        assertThat(s.throughputBetween(2, 8)).isCloseTo(10, within(0.01));
        assertThat(s.rowsHistogram()).containsEntry(2, 100L);
        assertThat(s.batchesByRows()).containsEntry(2, 50L);
        assertThat(s.meanRows()).isEqualTo(2.0);
        assertThat(s.reportedDuty()).isCloseTo((5 * 0.99 + 5 * 0.5) / 10, within(1e-9));
        // saturated = queue non-empty at both ends of the window: windows ending at seconds 2..5
        assertThat(s.reportedDutySaturated()).isCloseTo(0.99, within(1e-9));
        assertThat(s.dutyOverall()).isCloseTo((5 * 0.99 + 5 * 0.5) / 10, within(1e-9));
        assertThat(s.dutySaturated()).isCloseTo(0.99, within(1e-9));
        assertThat(s.saturatedSeconds()).isCloseTo(5.0, within(1e-9));
        assertThat(s.dutyByWorker().get("w1")).isNotEmpty();
        assertThat(s.backlogAt(5)).isBetween(2.0, 3.0);

        String html = Svg.lineChart("t", "x", "y", List.of(new Svg.Series("a", new double[] {0, 1, 2},
                new double[] {1, 3, 2})), List.of(new Svg.Marker(1, "fault <1>")), true);
        assertThat(html).startsWith("<svg").contains("polyline").contains("fault &lt;1&gt;").doesNotContain("<script");
        assertThat(Svg.barChart("b", "x", "y", List.of("1 row", "2 rows"), new double[] {3, 4})).contains("<rect");
        assertThat(Svg.fmt(2.5)).isEqualTo("2.5");
        assertThat(Svg.niceStep(0.3)).isEqualTo(0.5);
    }
}
