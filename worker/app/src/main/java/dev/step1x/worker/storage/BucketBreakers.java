package dev.step1x.worker.storage;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One circuit breaker per bucket, named {@code s3-<bucket>}, made on first use from the shared configuration
 * {@value #CONFIG} ({@code resilience4j.circuitbreaker.configs.s3.*}); a breaker configured under its own name
 * ({@code resilience4j.circuitbreaker.instances.[s3-<bucket>].*}) is used as it is. A bucket that fails opens
 * only its own breaker, so calls to the other buckets go on. {@code outage} hears {@code true} when the first
 * breaker opens and {@code false} when the last one has closed again (the worker pauses consumption in
 * between: records cannot be sorted by bucket before they are read).
 */
public final class BucketBreakers {

    private static final Logger log = LoggerFactory.getLogger(BucketBreakers.class);

    /** The shared configuration every bucket's breaker is made from. */
    public static final String CONFIG = "s3";

    private final CircuitBreakerRegistry registry;
    private final Consumer<Boolean> outage;
    private final Map<String, CircuitBreaker> byBucket = new ConcurrentHashMap<>();
    private final Set<String> notClosed = new TreeSet<>();

    public BucketBreakers(CircuitBreakerRegistry registry, Consumer<Boolean> outage) {
        this.registry = registry;
        this.outage = outage;
    }

    /** The breaker's name for a bucket (also its {@code name} tag in the resilience4j metrics). */
    public static String name(String bucket) {
        return CONFIG + "-" + bucket;
    }

    public CircuitBreaker forBucket(String bucket) {
        return byBucket.computeIfAbsent(bucket, b -> {
            CircuitBreaker cb = registry.circuitBreaker(name(b), CONFIG);
            cb.getEventPublisher().onStateTransition(e -> transition(cb.getName(), e.getStateTransition()));
            return cb;
        });
    }

    /** True while the bucket's breaker is not closed (open, half-open while probing, forced open). */
    public boolean outage(String bucket) {
        CircuitBreaker cb = byBucket.get(bucket);
        return cb != null && cb.getState() != CircuitBreaker.State.CLOSED
                && cb.getState() != CircuitBreaker.State.DISABLED;
    }

    /** Names of the breakers that are not closed. */
    public synchronized Set<String> notClosed() {
        return Set.copyOf(notClosed);
    }

    private void transition(String name, CircuitBreaker.StateTransition t) {
        log.warn("S3 circuit breaker {}: {}", name, t);
        boolean before;
        boolean after;
        synchronized (this) {
            before = !notClosed.isEmpty();
            switch (t.getToState()) {
                case CLOSED, DISABLED -> notClosed.remove(name);
                default -> notClosed.add(name);
            }
            after = !notClosed.isEmpty();
        }
        if (before != after) {
            outage.accept(after);
        }
    }
}
