package dev.step1x.worker.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.step1x.contracts.ContractJson;
import dev.step1x.contracts.ContractValidator;
import dev.step1x.contracts.EditRequest;
import dev.step1x.contracts.EditResult;
import dev.step1x.contracts.ErrorCode;
import dev.step1x.contracts.ResultStatus;
import dev.step1x.engine.ModelVersion;
import dev.step1x.engine.image.RgbImage;
import dev.step1x.engine.pipeline.EditInput;
import dev.step1x.worker.batching.BatchTimeBudget;
import dev.step1x.worker.batching.Batcher;
import dev.step1x.worker.batching.EngineLimits;
import dev.step1x.worker.ingest.OffsetTracker;
import dev.step1x.worker.metrics.CpuMeter;
import dev.step1x.worker.metrics.WorkerStats;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/** A batch whose lone request would outlast the time budget is answered before it runs; revoked rows never run. */
class BatchRunnerBudgetTest {

    static final TopicPartition LOST = new TopicPartition("requests", 0);
    static final TopicPartition KEPT = new TopicPartition("requests", 1);

    final List<String> acked = new ArrayList<>();
    final OffsetTracker<String> tracker = new OffsetTracker<>(acked::add);
    final Deliveries deliveries = new Deliveries(10);
    final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    final RecordingAnswerer sink = new RecordingAnswerer(deliveries, meters);
    final Answerer answerer = sink.answerer;
    final List<String> published = sink.published;
    final List<byte[]> results = sink.results;
    final Batcher<Prepared> batcher = new Batcher<>(k -> 4, Duration.ofMillis(1), 4, System::nanoTime,
            Clock.systemUTC());
    final RevokedWork revoked = new RevokedWork(batcher, answerer, meters);
    long offset;

    /** A request taken from {@code tp}, claimed in flight as the intake does. */
    Prepared taken(String id, TopicPartition tp) {
        Delivery d = new Delivery(tracker.register(tp, offset++, id + "@" + tp.partition()), 1, null);
        Accepted a = new Accepted(EditRequest.of(id, EditRequest.Input.of("in", id + ".png"), "edit", "out").withDefaults(), "h",
                d, 0, 0, 0);
        assertThat(deliveries.claim(a.inFlightKey(), d)).isTrue();
        EditInput input = new EditInput(new RgbImage(16, 16, new byte[16 * 16 * 3]), "edit", "", 512, 28, 6f, 1L,
                ModelVersion.V1_1);
        return new Prepared(a, input, 0, 0);
    }

    /** 0.75 s per row-step-megapixel (an H800): a 512-level 28-step row takes ~5.5 s. */
    BatchRunner runner(int budgetSeconds) {
        BatchTimeBudget budget = new BatchTimeBudget(new BatchTimeBudget.Settings(Duration.ofSeconds(budgetSeconds),
                0.75, 0.2));
        // the refusal and the revoked rows are settled before any engine or finisher is involved
        return new BatchRunner(new EngineLimits(), budget, revoked, null, answerer, new WorkerStats(), meters,
                new RequestStarts(new RequestStarts.Settings(0), null, new CpuMeter()));
    }

    @Test
    void aBucketOverTheBudgetIsRejectedBeforeItRuns() throws Exception {
        Prepared a = taken("too-long-1", KEPT);
        Prepared b = taken("too-long-2", KEPT);
        runner(2).run(new Batcher.Batch<>(a.bucket(), List.of(a, b), 4, List.of()));
        assertThat(published).containsExactly("too-long-1", "too-long-2");
        for (byte[] json : results) {
            EditResult r = ContractJson.mapper().readValue(json, EditResult.class);
            assertThat(r.status()).isEqualTo(ResultStatus.REJECTED);
            assertThat(r.error().code()).isEqualTo(ErrorCode.EXCEEDS_TIME_BUDGET);
            assertThat(r.error().retryable()).isFalse();
            assertThat(r.error().message()).contains("budget of 2 s").contains(a.bucket().toString());
            assertThat(r.output()).isNull();
        }
        assertThat(ContractValidator.shared().parseResult(results.get(0)).validation().valid()).as("the contract holds")
                .isTrue();
    }

    @Test
    void revokedRowsNeverReachTheEngine() {
        Prepared lost = taken("lost", LOST);
        tracker.revoke(List.of(LOST));
        // no engine is open: running the row would fail; the revoked one is given up before
        runner(2).run(new Batcher.Batch<>(lost.bucket(), List.of(lost), 4, List.of()));
        assertThat(published).isEmpty();
        assertThat(tracker.inFlight()).isZero();
    }
}
