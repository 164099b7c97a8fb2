package dev.step1x.worker.storage;

import dev.step1x.contracts.ErrorCode;

/**
 * A failed S3 call, classified: {@link Kind#TRANSIENT} failures are retried (Resilience4j) and count
 * against the circuit breaker; the others are answers about the object and are final.
 */
public class StorageException extends RuntimeException {

    /** How a failure is handled. */
    public enum Kind {
        NOT_FOUND(ErrorCode.INPUT_NOT_FOUND),
        ACCESS_DENIED(ErrorCode.ACCESS_DENIED),
        TOO_LARGE(ErrorCode.INPUT_TOO_LARGE),
        /** 5xx, throttling, connection and timeout errors. */
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

    public StorageException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
