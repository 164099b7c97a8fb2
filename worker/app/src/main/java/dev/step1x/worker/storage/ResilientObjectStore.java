package dev.step1x.worker.storage;

import dev.step1x.worker.metrics.WorkerMeters;
import io.github.resilience4j.bulkhead.Bulkhead;
import io.github.resilience4j.bulkhead.BulkheadFullException;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.retry.Retry;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Decorates an {@link ObjectStore} with a bulkhead (concurrent calls), the bucket's circuit breaker
 * ({@link BucketBreakers}: transient failures open it) and a retry with randomised exponential backoff around
 * each call (outermost; the only retry layer, the SDK's own is off), and times every call. An open breaker or a
 * full bulkhead surfaces as a TRANSIENT {@link StorageException}, and a transient failure while the bucket's
 * breaker is open is marked {@link StorageException#breakerOpen()}: the pipeline then parks the request for as
 * long as the outage lasts (it is neither answered nor dead-lettered).
 */
public final class ResilientObjectStore implements ObjectStore {

    private final ObjectStore delegate;
    private final Retry retry;
    private final BucketBreakers breakers;
    private final Bulkhead bulkhead;
    private final MeterRegistry meters;

    public ResilientObjectStore(ObjectStore delegate, Retry retry, BucketBreakers breakers, Bulkhead bulkhead,
            MeterRegistry meters) {
        this.delegate = delegate;
        this.retry = retry;
        this.breakers = breakers;
        this.bulkhead = bulkhead;
        this.meters = meters;
    }

    public BucketBreakers breakers() {
        return breakers;
    }

    @Override
    public byte[] get(String bucket, String key, String versionId, long maxBytes) {
        return call("get", bucket, () -> delegate.get(bucket, key, versionId, maxBytes));
    }

    @Override
    public boolean exists(String bucket, String key) {
        return call("head", bucket, () -> delegate.exists(bucket, key));
    }

    @Override
    public Optional<StoredObject> head(String bucket, String key) {
        return call("head", bucket, () -> delegate.head(bucket, key));
    }

    @Override
    public Created createIfAbsent(String bucket, String key, byte[] bytes, String contentType,
            Map<String, String> metadata) {
        return call("put", bucket, () -> delegate.createIfAbsent(bucket, key, bytes, contentType, metadata));
    }

    @Override
    public void replace(String bucket, String key, byte[] bytes, String contentType, Map<String, String> metadata) {
        call("put", bucket, () -> {
            delegate.replace(bucket, key, bytes, contentType, metadata);
            return null;
        });
    }

    @Override
    public void delete(String bucket, String key) {
        call("delete", bucket, () -> {
            delegate.delete(bucket, key);
            return null;
        });
    }

    private <T> T call(String op, String bucket, Supplier<T> body) {
        Supplier<T> timed = () -> {
            long t0 = System.nanoTime();
            String outcome = "success";
            try {
                return body.get();
            } catch (StorageException e) {
                outcome = e.kind().name().toLowerCase(Locale.ROOT);
                WorkerMeters.S3_ERRORS.counter(meters, "op", op, "kind", outcome).increment();
                throw e;
            } finally {
                Timer t = WorkerMeters.S3_REQUEST_DURATION.timer(meters, "op", op, "outcome", outcome);
                t.record(System.nanoTime() - t0, TimeUnit.NANOSECONDS);
            }
        };
        CircuitBreaker breaker = breakers.forBucket(bucket);
        Supplier<T> decorated = Retry.decorateSupplier(retry,
                CircuitBreaker.decorateSupplier(breaker, Bulkhead.decorateSupplier(bulkhead, timed)));
        try {
            return decorated.get();
        } catch (CallNotPermittedException e) {
            WorkerMeters.S3_ERRORS.counter(meters, "op", op, "kind", "circuit_open").increment();
            throw new StorageException(StorageException.Kind.TRANSIENT, "the S3 circuit breaker " + breaker.getName()
                    + " is open (bucket " + bucket + " failing): " + op + " not attempted", e, true);
        } catch (BulkheadFullException e) {
            WorkerMeters.S3_ERRORS.counter(meters, "op", op, "kind", "bulkhead_full").increment();
            throw new StorageException(StorageException.Kind.TRANSIENT, "S3 bulkhead full: " + op, e);
        } catch (StorageException e) {
            if (e.kind() == StorageException.Kind.TRANSIENT && breakers.outage(bucket)) {
                throw e.duringOutage();
            }
            throw e;
        }
    }
}
