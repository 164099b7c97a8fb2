package dev.step1x.contracts;

/**
 * The closed set of {@link EditResult.ErrorDetail#code()} values (and of the {@link Headers#DLQ_ERROR_CODE}
 * header). Each code has the status it normally comes with and a default for
 * {@link EditResult.ErrorDetail#retryable()}: whether re-sending the same request later may succeed. The
 * worker has already retried retryable causes within its own budget before it publishes a result.
 *
 * <p>Keep this enum, the {@code error.code} enum in {@code edit-result-v1.schema.json} and the README in
 * step; a test compares the enum with the schema.
 */
public enum ErrorCode {
    /** JSON that violates the EditRequest schema; the message lists the violations. */
    INVALID_REQUEST(false, ResultStatus.REJECTED),
    /**
     * Not JSON, or JSON that is not an object. Such a record is dead-lettered; it is answered (REJECTED) only
     * when it carried a usable {@link Headers#REQUEST_ID} header.
     */
    UNPARSEABLE_REQUEST(false, ResultStatus.REJECTED),
    /** The input or output bucket is not on the worker's allow-list. */
    BUCKET_NOT_ALLOWED(false, ResultStatus.REJECTED),
    /** The requested {@code params.modelVersion} is not served by this fleet. */
    MODEL_VERSION_UNAVAILABLE(false, ResultStatus.REJECTED),
    /** The requested {@code params.adapter.name} is not in the worker's adapter catalog. */
    ADAPTER_UNKNOWN(false, ResultStatus.REJECTED),
    /**
     * The catalog's adapter cannot be applied to the model: its layer names or shapes do not match the DiT, or the
     * file is missing or unreadable; the message lists the mismatches.
     */
    ADAPTER_INCOMPATIBLE(false, ResultStatus.FAILED),
    /**
     * The output key prefix is outside the worker's allow-list for the output bucket
     * ({@code worker.storage.output-prefixes}), or has a {@code .} or {@code ..} path segment.
     */
    OUTPUT_PREFIX_NOT_ALLOWED(false, ResultStatus.REJECTED),
    /**
     * The requestId was already used for a different request: its output object exists and was created for
     * other request bytes. The object is left untouched; send the new request under a new requestId.
     */
    REQUEST_ID_CONFLICT(false, ResultStatus.REJECTED),
    /** The input object (or the requested version of it) does not exist. */
    INPUT_NOT_FOUND(false, ResultStatus.FAILED),
    /** S3 refused the worker access to the input or the output object (HTTP 403). */
    ACCESS_DENIED(false, ResultStatus.FAILED),
    /** The input object is larger than the worker's byte limit. */
    INPUT_TOO_LARGE(false, ResultStatus.FAILED),
    /** The input is not a decodable PNG, JPEG or WebP image. */
    UNSUPPORTED_FORMAT(false, ResultStatus.FAILED),
    /** The input's width x height exceeds the pixel limit (checked from the header, before decoding). */
    TOO_MANY_PIXELS(false, ResultStatus.FAILED),
    /**
     * The chained {@code previousRequestId} has no SUCCEEDED result. Retryable by default because the earlier
     * request may still be running; the worker sets {@code retryable=false} when it knows the earlier request
     * ended without an output.
     */
    PREVIOUS_RESULT_NOT_FOUND(true, ResultStatus.FAILED),
    /** The request's deadline passed before it completed; always with status EXPIRED. */
    DEADLINE_EXCEEDED(false, ResultStatus.EXPIRED),
    /** The device ran out of memory for the batch this request was in; a smaller batch may fit. */
    OUT_OF_MEMORY(true, ResultStatus.FAILED),
    /** The request does not fit the device even in a batch of one (e.g. sizeLevel 1024 on a small GPU). */
    DOES_NOT_FIT_DEVICE(false, ResultStatus.FAILED),
    /**
     * The request's own compute (pixels x steps) would take longer than the worker's batch time budget even in a
     * batch of one, so it is refused before it runs: REJECTED, not retryable (the same fleet gives the same answer);
     * fewer steps or a smaller size level fit. The message names the estimate and the budget.
     */
    EXCEEDS_TIME_BUDGET(false, ResultStatus.REJECTED),

    /**
     * The request was started on the device {@code worker.poison.max-starts} times (default 3) and every worker
     * running it died before answering (a native crash, a heap exhaustion): it is answered with this code instead
     * of being run again, so that it cannot crash-loop through the fleet. Not retryable: sending the same request
     * again crashes the worker again.
     */
    REPEATED_CRASH(false, ResultStatus.FAILED),
    /** S3 failed, timed out or throttled beyond the worker's retry budget. */
    STORAGE_UNAVAILABLE(true, ResultStatus.FAILED),
    /** The inference engine failed (native error, non-finite values). */
    ENGINE_ERROR(true, ResultStatus.FAILED),
    /** An unexpected error in the worker itself. */
    INTERNAL_ERROR(true, ResultStatus.FAILED),
    /** The worker was stopping (SIGTERM, spot interruption) and gave the request up. */
    SHUTTING_DOWN(true, ResultStatus.FAILED);

    private final boolean retryable;
    private final ResultStatus status;

    ErrorCode(boolean retryable, ResultStatus status) {
        this.retryable = retryable;
        this.status = status;
    }

    /** Default for {@link EditResult.ErrorDetail#retryable()}. */
    public boolean retryable() {
        return retryable;
    }

    /** The {@link EditResult#status()} a result with this code normally has (never SUCCEEDED). */
    public ResultStatus status() {
        return status;
    }
}
