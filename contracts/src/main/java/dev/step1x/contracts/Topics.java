package dev.step1x.contracts;

/**
 * Kafka topic and consumer-group names. Record keys: requests and results are keyed by requestId (so a
 * request, its retries and its result share a partition and compaction key); metrics by workerId; dead
 * letters keep the original record's key.
 */
public final class Topics {

    /** {@link EditRequest}s, key = requestId. Consumed by the workers. */
    public static final String REQUESTS = "image-edit.requests";

    /** {@link EditResult}s, key = requestId. */
    public static final String RESULTS = "image-edit.results";

    /** {@link WorkerMetrics} snapshots, key = workerId. */
    public static final String METRICS = "image-edit.metrics";

    /**
     * Dead letters: the original request bytes, unchanged, with the original key and headers plus the
     * {@code x-dlq-*} and {@code x-original-*} headers of {@link Headers}.
     */
    public static final String REQUESTS_DLQ = "image-edit.requests.dlq";

    /** Consumer group of the worker fleet on {@link #REQUESTS}. */
    public static final String WORKER_GROUP = "image-edit-workers";

    private Topics() {
    }
}
