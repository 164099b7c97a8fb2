package dev.step1x.worker.storage;

import java.util.function.Predicate;

/**
 * Which failures the S3 retry retries and the circuit breakers count: {@link StorageException.Kind#TRANSIENT}
 * ones. Named by class in application.properties ({@code resilience4j.retry.instances.s3.retry-exception-predicate},
 * {@code resilience4j.circuitbreaker.configs.s3.record-exception-predicate}), hence public with a no-argument
 * constructor.
 */
public final class TransientStorageFailure implements Predicate<Throwable> {

    @Override
    public boolean test(Throwable t) {
        return t instanceof StorageException se && se.kind() == StorageException.Kind.TRANSIENT;
    }
}
