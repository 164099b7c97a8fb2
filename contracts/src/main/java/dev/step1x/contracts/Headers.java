package dev.step1x.contracts;

/**
 * Kafka record header names (and fixed values) used on the image-edit topics. Header values are UTF-8
 * strings; numbers are written in decimal.
 */
public final class Headers {

    /** The requestId, on requests (set by producers, optional), results and dead letters. */
    public static final String REQUEST_ID = "x-request-id";

    /** The message's schemaVersion in decimal, e.g. {@code "1"}; lets a consumer route before parsing. */
    public static final String SCHEMA_VERSION = "x-schema-version";

    /** Media type of the value; always {@link #JSON_CONTENT_TYPE} for these topics. */
    public static final String CONTENT_TYPE = "content-type";

    /** The value of {@link #CONTENT_TYPE}. */
    public static final String JSON_CONTENT_TYPE = "application/json";

    /** Delivery attempt in decimal, 1 for the first; incremented when a worker re-publishes for a retry. */
    public static final String ATTEMPT = "x-attempt";

    /** On results and metrics: the id of the worker that produced the record. */
    public static final String WORKER_ID = "x-worker-id";

    /** W3C trace context, passed from request to result and dead letter when present. */
    public static final String TRACEPARENT = "traceparent";

    /** On dead letters: human-readable reason (e.g. the violation summary), at most a few KiB. */
    public static final String DLQ_REASON = "x-dlq-reason";

    /** On dead letters: an {@link ErrorCode} name, e.g. {@code UNPARSEABLE_REQUEST}. */
    public static final String DLQ_ERROR_CODE = "x-dlq-error-code";

    /** On dead letters: topic the record was read from. */
    public static final String ORIGINAL_TOPIC = "x-original-topic";

    /** On dead letters: partition the record was read from, decimal. */
    public static final String ORIGINAL_PARTITION = "x-original-partition";

    /** On dead letters: offset of the record, decimal. */
    public static final String ORIGINAL_OFFSET = "x-original-offset";

    /** On dead letters: the original record timestamp, epoch milliseconds in decimal. */
    public static final String ORIGINAL_TIMESTAMP = "x-original-timestamp";

    /**
     * On dead letters whose value was cut to fit the producer's record size limit: {@code "true"}. The value is
     * then a prefix of the original record value; the reason and the other headers are kept.
     */
    public static final String DLQ_TRUNCATED = "x-dlq-truncated";

    /** On truncated dead letters: the original value's size in bytes, decimal. */
    public static final String DLQ_ORIGINAL_SIZE = "x-dlq-original-size";

    /** On truncated dead letters: the SHA-256 of the original value, lowercase hex. */
    public static final String DLQ_ORIGINAL_SHA256 = "x-dlq-original-sha256";

    private Headers() {
    }
}
