package dev.step1x.worker.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.step1x.contracts.EditResult;
import dev.step1x.contracts.ErrorCode;
import dev.step1x.contracts.ModelVersion;
import dev.step1x.contracts.ResultStatus;
import dev.step1x.contracts.Timings;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The local run's HTML page: escaping, relative image paths, the simulated banner, the stage timings. */
class LocalRunReportTest {

    private static final EditResult.WorkerInfo WORKER = new EditResult.WorkerInfo("local-worker", ModelVersion.V1_1,
            "cpu", "0.1.0");

    private static EditResult succeeded(String id, boolean simulated) {
        return new EditResult(1, id, ResultStatus.SUCCEEDED, new EditResult.OutputRef("outputs", "local/" + id + ".png",
                "\"e\"", "0".repeat(64), 320, 240, "image/png"), null,
                new Timings(1.0, 2.0, 3.0, 4.0, 5.0, 60.0, 7.0, 8.0, 9.0, 100.0), new EditResult.BatchInfo(3,
                "v1.1:432x592:28"), new EditResult.WorkerInfo("local-worker", ModelVersion.V1_1, "cpu", "0.1.0",
                simulated), 1, Instant.EPOCH, null);
    }

    @Test
    void everythingFromRequestsAndResultsIsEscaped() {
        EditResult failed = EditResult.unsuccessful("bad-1", ErrorCode.ENGINE_ERROR, "<b>boom</b> & \"more\"",
                Timings.NONE, null, WORKER, 1, Instant.EPOCH, null);
        String html = LocalRunReport.html(new LocalRunReport.Run("engine <x>", false, Instant.EPOCH, 1.5, List.of(
                new LocalRunReport.Row("bad-1", "<script>alert(\"x\")</script> & 'q'", 512, 4, "samples/a.png",
                        Path.of("inputs", "a.png"), failed, null))));
        assertThat(html).doesNotContain("<script>", "<b>boom", "engine <x>")
                .contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;q&#39;")
                .contains("ENGINE_ERROR: &lt;b&gt;boom&lt;/b&gt; &amp; &quot;more&quot;")
                .contains("engine &lt;x&gt;")
                .contains("<span class=\"FAILED\">FAILED</span>")
                .contains("0 of 1 requests succeeded")
                .contains("<img src=\"./inputs/a.png\"")
                .doesNotContain("./outputs/");
    }

    @Test
    void inputAndOutputSideBySideWithSizeBucketBatchAndStages() {
        String html = LocalRunReport.html(new LocalRunReport.Run("demo model", false, Instant.EPOCH, 2, List.of(
                new LocalRunReport.Row("ok-1", "把房子涂成蓝色", 512, 28, "samples/landscape.png",
                        Path.of("inputs", "landscape.png"), succeeded("ok-1", false), Path.of("outputs", "ok-1.png")))));
        assertThat(html).contains("<meta charset=\"utf-8\">", "把房子涂成蓝色", "1 of 1 requests succeeded",
                "<img src=\"./inputs/landscape.png\"", "<img src=\"./outputs/ok-1.png\"",
                "<th>size level</th><td>512</td>", "<th>bucket</th><td>v1.1:432x592:28</td>",
                "<th>batch size</th><td>3 request(s)</td>", "<td>denoise (batch)</td><td class=\"num\">60.0</td>",
                "<td>total</td><td class=\"num\">100.0</td>")
                .doesNotContain("SIMULATED");
        assertThat(html.indexOf("./inputs/landscape.png")).isLessThan(html.indexOf("./outputs/ok-1.png"));
        assertThat(LocalRunReport.stages(succeeded("x", false).timings()).keySet()).containsExactly("queue", "fetch",
                "decode", "mllm (batch)", "vaeEncode (batch)", "denoise (batch)", "vaeDecode (batch)", "encode",
                "upload", "total");
    }

    @Test
    void aSimulatedRunSaysSo() {
        String html = LocalRunReport.html(new LocalRunReport.Run("SIMULATED engine", true, Instant.EPOCH, 2, List.of(
                new LocalRunReport.Row("s-1", "x", 512, 28, "samples/a.png", Path.of("inputs", "a.png"),
                        succeeded("s-1", true), Path.of("outputs", "s-1.png")))));
        assertThat(html).contains("<div class=\"simulated\">SIMULATED engine", "cpu, engine 0.1.0, SIMULATED");
    }

    @Test
    void relativeUrlsAreEncodedAndCannotReadAsASchemeOrEscapeTheAttribute() {
        assertThat(LocalRunReport.relativeUrl(Path.of("outputs", "a:b c\".png"))).isEqualTo("./outputs/a%3Ab%20c%22.png");
        assertThat(LocalRunReport.esc("a&b<c>\"d'e")).isEqualTo("a&amp;b&lt;c&gt;&quot;d&#39;e");
        assertThat(LocalRunReport.esc(null)).isEmpty();
    }
}
