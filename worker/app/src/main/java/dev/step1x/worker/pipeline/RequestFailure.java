package dev.step1x.worker.pipeline;

import dev.step1x.contracts.ErrorCode;

/** A request that cannot be completed, with the code and message its result carries. */
public final class RequestFailure extends Exception {

    private final ErrorCode code;
    private final Boolean retryable;

    public RequestFailure(ErrorCode code, String message) {
        this(code, message, null);
    }

    /** @param retryable overrides the code's default, or null */
    public RequestFailure(ErrorCode code, String message, Boolean retryable) {
        super(message, null, false, false);
        this.code = code;
        this.retryable = retryable;
    }

    public ErrorCode code() {
        return code;
    }

    public Boolean retryable() {
        return retryable;
    }
}
