package dev.step1x.loadtest.gen;

import dev.step1x.contracts.ErrorCode;
import dev.step1x.contracts.ResultStatus;

/**
 * Kinds of bad ("poison") request the generator mixes in, each with the answer the worker must give. Every
 * bad request carries the {@code x-request-id} header, so even an unparseable one must be answered.
 */
public enum BadKind {
    /** Valid JSON that breaks the schema (steps = 500). */
    INVALID_SCHEMA(ResultStatus.REJECTED, ErrorCode.INVALID_REQUEST, true),
    /** Not JSON at all. */
    UNPARSEABLE(ResultStatus.REJECTED, ErrorCode.UNPARSEABLE_REQUEST, true),
    /** The input object does not exist. */
    MISSING_INPUT(ResultStatus.FAILED, ErrorCode.INPUT_NOT_FOUND, false),
    /** A PNG signature and header followed by garbage. */
    CORRUPT_IMAGE(ResultStatus.FAILED, ErrorCode.UNSUPPORTED_FORMAT, false),
    /** A few dozen bytes declaring 30000 x 30000 pixels. */
    PIXEL_BOMB(ResultStatus.FAILED, ErrorCode.TOO_MANY_PIXELS, false),
    /** Input bucket not on the worker's allow-list. */
    BUCKET_NOT_ALLOWED(ResultStatus.REJECTED, ErrorCode.BUCKET_NOT_ALLOWED, false),
    /** A deadline an hour in the past. */
    EXPIRED(ResultStatus.EXPIRED, ErrorCode.DEADLINE_EXCEEDED, false);

    private final ResultStatus status;
    private final ErrorCode code;
    private final boolean deadLettered;

    BadKind(ResultStatus status, ErrorCode code, boolean deadLettered) {
        this.status = status;
        this.code = code;
        this.deadLettered = deadLettered;
    }

    public ResultStatus status() {
        return status;
    }

    public ErrorCode code() {
        return code;
    }

    /** Whether the worker also writes a dead-letter copy. */
    public boolean deadLettered() {
        return deadLettered;
    }

    public String key() {
        return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }
}
