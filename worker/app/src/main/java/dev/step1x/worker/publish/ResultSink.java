package dev.step1x.worker.publish;

import dev.step1x.contracts.WorkerMetrics;
import java.util.concurrent.CompletableFuture;

/** Where the worker's answers go. Futures complete once the broker has acknowledged the record. */
public interface ResultSink {

    /** Publishes serialized {@code EditResult} bytes keyed by requestId. */
    CompletableFuture<Void> result(String requestId, byte[] resultJson, int attempt, String traceparent);

    CompletableFuture<Void> deadLetter(DeadLetter letter);

    /** Sends queued or running (results and dead letters). */
    int pending();

    /** Best effort (a lost snapshot is replaced by the next one). */
    void metrics(String workerId, WorkerMetrics snapshot);
}
