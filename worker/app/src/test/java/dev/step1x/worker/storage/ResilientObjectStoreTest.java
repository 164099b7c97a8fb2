package dev.step1x.worker.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.resilience4j.bulkhead.Bulkhead;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The Resilience4j decoration around the store, over a store whose buckets can be made to fail one by one (S3Proxy
 * cannot fail one bucket and serve another; the whole-server outage is StorageOutageIT).
 */
class ResilientObjectStoreTest {

    /** An in-memory store; a bucket in {@code failing} answers every call with a transient failure. */
    static class Buckets implements ObjectStore {
        final Set<String> failing = ConcurrentHashMap.newKeySet();
        final AtomicInteger calls = new AtomicInteger();

        private void call(String bucket) {
            calls.incrementAndGet();
            if (failing.contains(bucket)) {
                throw new StorageException(StorageException.Kind.TRANSIENT, bucket + ": HTTP 503 SlowDown", null);
            }
        }

        @Override
        public byte[] get(String bucket, String key, String versionId, long maxBytes) {
            call(bucket);
            return new byte[] {1};
        }

        @Override
        public boolean exists(String bucket, String key) {
            call(bucket);
            return true;
        }

        @Override
        public Optional<StoredObject> head(String bucket, String key) {
            call(bucket);
            return Optional.empty();
        }

        @Override
        public Created createIfAbsent(String bucket, String key, byte[] bytes, String contentType,
                Map<String, String> metadata) {
            call(bucket);
            return new Created(true, "\"e\"", null);
        }

        @Override
        public void replace(String bucket, String key, byte[] bytes, String contentType, Map<String, String> metadata) {
            call(bucket);
        }

        @Override
        public void delete(String bucket, String key) {
            call(bucket);
        }
    }

    final Buckets buckets = new Buckets();
    final List<Boolean> outages = new CopyOnWriteArrayList<>();
    final CircuitBreakerRegistry registry = CircuitBreakerRegistry.of(Map.of(BucketBreakers.CONFIG,
            CircuitBreakerConfig.custom().slidingWindowSize(4).minimumNumberOfCalls(2).failureRateThreshold(50)
                    .waitDurationInOpenState(Duration.ofMillis(200)).permittedNumberOfCallsInHalfOpenState(1)
                    .recordException(new TransientStorageFailure()).build()));
    final BucketBreakers breakers = new BucketBreakers(registry, outages::add);
    final ResilientObjectStore store = new ResilientObjectStore(buckets,
            Retry.of("s3", RetryConfig.custom().maxAttempts(2).waitDuration(Duration.ofMillis(1))
                    .retryOnException(new TransientStorageFailure()).build()),
            breakers, Bulkhead.ofDefaults("s3"), new SimpleMeterRegistry());

    @Test
    void aFailingBucketOpensOnlyItsOwnBreakerAndItsFailuresAreMarkedAsAnOutage() throws Exception {
        buckets.failing.add("bad");
        // the first call: two attempts (one retry layer), both fail, the breaker opens after them
        assertThatThrownBy(() -> store.head("bad", "k")).isInstanceOfSatisfying(StorageException.class, e -> {
            assertThat(e.kind()).isEqualTo(StorageException.Kind.TRANSIENT);
            assertThat(e.breakerOpen()).isTrue();
        });
        assertThat(buckets.calls.get()).isEqualTo(2);
        assertThat(registry.circuitBreaker("s3-bad").getState()).isEqualTo(CircuitBreaker.State.OPEN);
        assertThat(breakers.notClosed()).containsExactly("s3-bad");
        assertThat(outages).containsExactly(true);

        // while it is open no call reaches the bucket, and the other bucket is served
        assertThatThrownBy(() -> store.get("bad", "k", null, 10)).isInstanceOfSatisfying(StorageException.class,
                e -> assertThat(e.breakerOpen()).isTrue());
        assertThat(buckets.calls.get()).isEqualTo(2);
        assertThat(store.get("good", "k", null, 10)).containsExactly(1);
        assertThat(store.createIfAbsent("good", "k", new byte[] {1}, "image/png", Map.of()).created()).isTrue();
        assertThat(registry.circuitBreaker("s3-good").getState()).isEqualTo(CircuitBreaker.State.CLOSED);

        // the bucket comes back: after the open wait a probe closes its breaker, and the outage is over
        buckets.failing.clear();
        Thread.sleep(300);
        assertThat(store.exists("bad", "k")).isTrue();
        assertThat(registry.circuitBreaker("s3-bad").getState()).isEqualTo(CircuitBreaker.State.CLOSED);
        assertThat(breakers.notClosed()).isEmpty();
        assertThat(outages).containsExactly(true, false);
    }

    @Test
    void answersAboutTheObjectAreNeitherRetriedNorCounted() {
        ObjectStore missing = new Buckets() {
            @Override
            public byte[] get(String bucket, String key, String versionId, long maxBytes) {
                calls.incrementAndGet();
                throw new StorageException(StorageException.Kind.NOT_FOUND, "404", null);
            }
        };
        ResilientObjectStore s = new ResilientObjectStore(missing, Retry.of("s3", RetryConfig.custom().maxAttempts(3)
                .retryOnException(new TransientStorageFailure()).build()), breakers, Bulkhead.ofDefaults("s3"),
                new SimpleMeterRegistry());
        for (int i = 0; i < 5; i++) {
            assertThatThrownBy(() -> s.get("b", "k", null, 1)).isInstanceOfSatisfying(StorageException.class,
                    e -> assertThat(e.breakerOpen()).isFalse());
        }
        assertThat(((Buckets) missing).calls.get()).isEqualTo(5);
        assertThat(registry.circuitBreaker("s3-b").getState()).isEqualTo(CircuitBreaker.State.CLOSED);
    }
}
