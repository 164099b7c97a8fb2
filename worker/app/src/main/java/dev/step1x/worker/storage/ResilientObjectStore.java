package dev.step1x.worker.storage;

import dev.step1x.worker.metrics.WorkerMeters;
import io.github.resilience4j.bulkhead.Bulkhead;
import io.github.resilience4j.bulkhead.BulkheadFullException;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.retry.Retry;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Decorates an {@link ObjectStore} with a bulkhead (concurrent calls), a circuit breaker (transient
 * failures open it) and a retry with exponential backoff around each call (outermost), and times every
 * call. An open breaker or a full bulkhead surfaces as a TRANSIENT {@link StorageException}, which the
 * pipeline treats as an outage (the request is parked, never dead-lettered).
 */
public final class ResilientObjectStore implements ObjectStore {

    private final ObjectStore delegate;
    private final Retry retry;
    private final CircuitBreaker breaker;
    private final Bulkhead bulkhead;
    private final MeterRegistry meters;

    public ResilientObjectStore(ObjectStore delegate, Retry retry, CircuitBreaker breaker, Bulkhead bulkhead,
            MeterRegistry meters) {
        this.delegate = delegate;
        this.retry = retry;
        this.breaker = breaker;
        this.bulkhead = bulkhead;
        this.meters = meters;
    }

    public CircuitBreaker breaker() {
        return breaker;
    }

    @Override
    public byte[] get(String bucket, String key, String versionId, long maxBytes) {
        return call("get", () -> delegate.get(bucket, key, versionId, maxBytes));
    }

    @Override
    public boolean exists(String bucket, String key) {
        return call("head", () -> delegate.exists(bucket, key));
    }

    @Override
    public String put(String bucket, String key, byte[] bytes, String contentType, Map<String, String> metadata) {
        return call("put", () -> delegate.put(bucket, key, bytes, contentType, metadata));
    }

    private <T> T call(String op, Supplier<T> body) {
        Supplier<T> timed = () -> {
            long t0 = System.nanoTime();
            String outcome = "success";
            try {
                return body.get();
            } catch (StorageException e) {
                outcome = e.kind().name().toLowerCase(java.util.Locale.ROOT);
                WorkerMeters.S3_ERRORS.counter(meters, "op", op, "kind", outcome).increment();
                throw e;
            } finally {
                Timer t = WorkerMeters.S3_REQUEST_DURATION.timer(meters, "op", op, "outcome", outcome);
                t.record(System.nanoTime() - t0, java.util.concurrent.TimeUnit.NANOSECONDS);
            }
        };
        Supplier<T> decorated = Retry.decorateSupplier(retry,
                CircuitBreaker.decorateSupplier(breaker, Bulkhead.decorateSupplier(bulkhead, timed)));
        try {
            return decorated.get();
        } catch (CallNotPermittedException e) {
            WorkerMeters.S3_ERRORS.counter(meters, "op", op, "kind", "circuit_open").increment();
            throw new StorageException(StorageException.Kind.TRANSIENT, "S3 circuit breaker is open: " + op, e);
        } catch (BulkheadFullException e) {
            WorkerMeters.S3_ERRORS.counter(meters, "op", op, "kind", "bulkhead_full").increment();
            throw new StorageException(StorageException.Kind.TRANSIENT, "S3 bulkhead full: " + op, e);
        }
    }
}
