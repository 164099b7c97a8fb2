package dev.step1x.contracts;

/** {@link EditResult#status()}: how a request ended. */
public enum ResultStatus {
    /** The edited image is at {@link EditResult#output()}. */
    SUCCEEDED,
    /** The request was valid but could not be completed; see {@link EditResult#error()}. */
    FAILED,
    /** The request itself is unacceptable and was never run (schema, bucket policy, model version). */
    REJECTED,
    /** The request's deadline passed before it completed; error code {@link ErrorCode#DEADLINE_EXCEEDED}. */
    EXPIRED
}
