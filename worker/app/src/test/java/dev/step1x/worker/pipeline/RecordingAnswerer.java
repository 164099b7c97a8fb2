package dev.step1x.worker.pipeline;

import dev.step1x.contracts.WorkerMetrics;
import dev.step1x.worker.engine.WorkerIdentity;
import dev.step1x.worker.metrics.CpuMeter;
import dev.step1x.worker.metrics.WorkerStats;
import dev.step1x.worker.publish.DeadLetter;
import dev.step1x.worker.publish.ResultSink;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** For unit tests of the stages that answer: an {@link Answerer} whose sink records what it publishes, at once. */
final class RecordingAnswerer {

    /** Request ids in the order their results were published. */
    final List<String> published = new ArrayList<>();
    /** The results' JSON, in the same order. */
    final List<byte[]> results = new ArrayList<>();
    final Answerer answerer;

    RecordingAnswerer(Deliveries deliveries, MeterRegistry meters) {
        ResultSink sink = new ResultSink() {
            @Override
            public CompletableFuture<Void> result(String requestId, byte[] resultJson, int attempt, String traceparent) {
                published.add(requestId);
                results.add(resultJson);
                return CompletableFuture.completedFuture(null);
            }

            @Override
            public CompletableFuture<Void> deadLetter(DeadLetter letter) {
                return CompletableFuture.completedFuture(null);
            }

            @Override
            public int pending() {
                return 0;
            }

            @Override
            public void metrics(String workerId, WorkerMetrics snapshot) {}
        };
        answerer = new Answerer(deliveries, sink, new WorkerIdentity("w1", "cpu", "test", true), new WorkerStats(),
                meters, new CpuMeter(), Clock.systemUTC(), new RequestStarts(new RequestStarts.Settings(0), null,
                        new CpuMeter()));
    }
}
