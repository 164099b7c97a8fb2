package dev.step1x.worker.storage;

import dev.step1x.contracts.ErrorCode;

/**
 * A failed S3 call, classified: {@link Kind#TRANSIENT} failures are retried (Resilience4j) and count
 * against the bucket's circuit breaker; the others are answers about the object and are final.
 * {@link #breakerOpen()} says that the bucket's circuit breaker is open: an outage, during which the
 * pipeline parks the request for as long as it lasts instead of answering it.
 */
public class StorageException extends RuntimeException {

    /** How a failure is handled. */
    public enum Kind {
        NOT_FOUND(ErrorCode.INPUT_NOT_FOUND),
        ACCESS_DENIED(ErrorCode.ACCESS_DENIED),
        TOO_LARGE(ErrorCode.INPUT_TOO_LARGE),
        /** 5xx, throttling, connection and timeout errors, an open circuit breaker, a full bulkhead. */
        TRANSIENT(ErrorCode.STORAGE_UNAVAILABLE),
        /** Any other 4xx: a bug or a misconfiguration, not retried. */
        REJECTED(ErrorCode.STORAGE_UNAVAILABLE);

        private final ErrorCode code;

        Kind(ErrorCode code) {
            this.code = code;
        }

        public ErrorCode code() {
            return code;
        }
    }

    private final Kind kind;
    private final boolean breakerOpen;

    public StorageException(Kind kind, String message, Throwable cause) {
        this(kind, message, cause, false);
    }

    public StorageException(Kind kind, String message, Throwable cause, boolean breakerOpen) {
        super(message, cause);
        this.kind = kind;
        this.breakerOpen = breakerOpen;
    }

    public Kind kind() {
        return kind;
    }

    /** True when the bucket's circuit breaker is open (the call was not made, or its failure opened it). */
    public boolean breakerOpen() {
        return breakerOpen;
    }

    /** The same failure, marked as happening while the bucket's circuit breaker is open. */
    StorageException duringOutage() {
        return breakerOpen ? this : new StorageException(kind, getMessage(), getCause(), true);
    }
}
