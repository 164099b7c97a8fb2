package dev.step1x.worker.config;

import dev.step1x.worker.pipeline.StorageRetry;
import dev.step1x.worker.storage.S3ObjectStore;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Every tunable of the worker, under the {@code worker.} prefix (application.properties documents the
 * defaults), one class per section. Kafka topics, group and client settings stay in the standard
 * {@code spring.cloud.stream.*} properties; what is derived from these values (max.poll.interval.ms,
 * group.instance.id) is applied by {@link KafkaCustomizations}. Only this package reads these classes: each
 * component gets its own small settings record from them ({@code toSettings()}).
 */
@ConfigurationProperties(prefix = "worker")
public class WorkerProperties {

    /** Worker instance id in results and metrics; default: $POD_NAME, else $HOSTNAME, else worker-PID. */
    private String id;
    private final EngineProperties engine = new EngineProperties();
    private final LoraProperties lora = new LoraProperties();
    private final BatchingProperties batching = new BatchingProperties();
    private final LimitsProperties limits = new LimitsProperties();
    private final OutputProperties output = new OutputProperties();
    private final Storage storage = new Storage();
    private final WorkerKafkaProperties kafka = new WorkerKafkaProperties();
    private final MetricsProperties metrics = new MetricsProperties();
    private final LifecycleProperties lifecycle = new LifecycleProperties();

    public String getId() { return id; }
    public void setId(String id) { this.id = id; }
    public EngineProperties getEngine() { return engine; }
    public LoraProperties getLora() { return lora; }
    public BatchingProperties getBatching() { return batching; }
    public LimitsProperties getLimits() { return limits; }
    public OutputProperties getOutput() { return output; }
    public Storage getStorage() { return storage; }
    public WorkerKafkaProperties getKafka() { return kafka; }
    public MetricsProperties getMetrics() { return metrics; }
    public LifecycleProperties getLifecycle() { return lifecycle; }

    /** S3 access. */
    public static class Storage {
        /** Endpoint override for S3-compatible stores (S3Proxy, MinIO); empty for AWS. */
        private URI endpoint;
        private String region = "us-east-1";
        /** Path-style addressing (local stores). */
        private boolean pathStyle = false;
        /** Static credentials (local stores); empty: the SDK's default credential chain. */
        private String accessKey;
        private String secretKey;
        /** Send/validate checksums only when required (S3Proxy 2.x rejects the SDK's default CRC trailers). */
        private boolean checksumsWhenRequired = false;
        /** Buckets inputs may be read from ("*" = any). */
        private List<String> allowedInputBuckets = new ArrayList<>();
        /** Buckets outputs may be written to ("*" = any). */
        private List<String> allowedOutputBuckets = new ArrayList<>();
        /** Server-side encryption of outputs: empty, AES256 or aws:kms. */
        private String sse;
        private String sseKmsKeyId;
        /** Timeout of one S3 API call including the SDK's own retries. */
        private Duration callTimeout = Duration.ofSeconds(30);
        private final Retry retry = new Retry();
        private final CircuitBreaker circuitBreaker = new CircuitBreaker();
        private final Bulkhead bulkhead = new Bulkhead();
        private final Outage outage = new Outage();

        public URI getEndpoint() { return endpoint; }
        public void setEndpoint(URI endpoint) { this.endpoint = endpoint; }
        public String getRegion() { return region; }
        public void setRegion(String region) { this.region = region; }
        public boolean isPathStyle() { return pathStyle; }
        public void setPathStyle(boolean pathStyle) { this.pathStyle = pathStyle; }
        public String getAccessKey() { return accessKey; }
        public void setAccessKey(String accessKey) { this.accessKey = accessKey; }
        public String getSecretKey() { return secretKey; }
        public void setSecretKey(String secretKey) { this.secretKey = secretKey; }
        public boolean isChecksumsWhenRequired() { return checksumsWhenRequired; }
        public void setChecksumsWhenRequired(boolean v) { this.checksumsWhenRequired = v; }
        public List<String> getAllowedInputBuckets() { return allowedInputBuckets; }
        public void setAllowedInputBuckets(List<String> v) { this.allowedInputBuckets = v; }
        public List<String> getAllowedOutputBuckets() { return allowedOutputBuckets; }
        public void setAllowedOutputBuckets(List<String> v) { this.allowedOutputBuckets = v; }
        public String getSse() { return sse; }
        public void setSse(String sse) { this.sse = sse; }
        public String getSseKmsKeyId() { return sseKmsKeyId; }
        public void setSseKmsKeyId(String sseKmsKeyId) { this.sseKmsKeyId = sseKmsKeyId; }
        public Duration getCallTimeout() { return callTimeout; }
        public void setCallTimeout(Duration callTimeout) { this.callTimeout = callTimeout; }
        public Retry getRetry() { return retry; }
        public CircuitBreaker getCircuitBreaker() { return circuitBreaker; }
        public Bulkhead getBulkhead() { return bulkhead; }
        public Outage getOutage() { return outage; }

        S3ObjectStore.Settings toS3Settings() {
            return new S3ObjectStore.Settings(endpoint, region, pathStyle, accessKey, secretKey, checksumsWhenRequired,
                    callTimeout, sse, sseKmsKeyId);
        }
    }

    /** Resilience4j retry of one S3 call (exponential backoff). */
    public static class Retry {
        private int maxAttempts = 3;
        private Duration initialBackoff = Duration.ofMillis(100);
        private double multiplier = 2.0;

        public int getMaxAttempts() { return maxAttempts; }
        public void setMaxAttempts(int maxAttempts) { this.maxAttempts = maxAttempts; }
        public Duration getInitialBackoff() { return initialBackoff; }
        public void setInitialBackoff(Duration initialBackoff) { this.initialBackoff = initialBackoff; }
        public double getMultiplier() { return multiplier; }
        public void setMultiplier(double multiplier) { this.multiplier = multiplier; }
    }

    /** Resilience4j circuit breaker over all S3 calls; consumption pauses while it is open. */
    public static class CircuitBreaker {
        private float failureRateThreshold = 50f;
        private int slidingWindowSize = 10;
        private int minimumNumberOfCalls = 5;
        private Duration waitInOpenState = Duration.ofSeconds(5);
        private int permittedCallsInHalfOpenState = 2;

        public float getFailureRateThreshold() { return failureRateThreshold; }
        public void setFailureRateThreshold(float v) { this.failureRateThreshold = v; }
        public int getSlidingWindowSize() { return slidingWindowSize; }
        public void setSlidingWindowSize(int v) { this.slidingWindowSize = v; }
        public int getMinimumNumberOfCalls() { return minimumNumberOfCalls; }
        public void setMinimumNumberOfCalls(int v) { this.minimumNumberOfCalls = v; }
        public Duration getWaitInOpenState() { return waitInOpenState; }
        public void setWaitInOpenState(Duration v) { this.waitInOpenState = v; }
        public int getPermittedCallsInHalfOpenState() { return permittedCallsInHalfOpenState; }
        public void setPermittedCallsInHalfOpenState(int v) { this.permittedCallsInHalfOpenState = v; }
    }

    /** Resilience4j bulkhead: concurrent S3 calls. */
    public static class Bulkhead {
        private int maxConcurrentCalls = 8;
        private Duration maxWait = Duration.ofSeconds(30);

        public int getMaxConcurrentCalls() { return maxConcurrentCalls; }
        public void setMaxConcurrentCalls(int v) { this.maxConcurrentCalls = v; }
        public Duration getMaxWait() { return maxWait; }
        public void setMaxWait(Duration maxWait) { this.maxWait = maxWait; }
    }

    /**
     * An S3 outage (retries spent or circuit open) parks the request and tries it again later, at most
     * max-rounds times; only then is it answered FAILED / STORAGE_UNAVAILABLE. Nothing is dead-lettered.
     */
    public static class Outage {
        private Duration retryDelay = Duration.ofSeconds(2);
        private int maxRounds = 60;

        public Duration getRetryDelay() { return retryDelay; }
        public void setRetryDelay(Duration retryDelay) { this.retryDelay = retryDelay; }
        public int getMaxRounds() { return maxRounds; }
        public void setMaxRounds(int maxRounds) { this.maxRounds = maxRounds; }

        StorageRetry.Settings toSettings() {
            return new StorageRetry.Settings(retryDelay, maxRounds);
        }
    }

    // ------------------------------------------------------------------ derived values

    /** The worker id, sanitised to the contract's id pattern. */
    public String resolvedId() {
        String v = id;
        if (v == null || v.isBlank()) {
            v = System.getenv("POD_NAME");
        }
        if (v == null || v.isBlank()) {
            v = System.getenv("HOSTNAME");
        }
        if (v == null || v.isBlank()) {
            v = "worker-" + ProcessHandle.current().pid();
        }
        v = v.replaceAll("[^A-Za-z0-9._:-]", "-");
        return v.length() > 128 ? v.substring(0, 128) : v;
    }

    /** max.poll.interval.ms from the worst expected batch time. */
    public long maxPollIntervalMs() {
        long derived = 2 * kafka.getWorstBatchTime().toMillis() + lifecycle.getDrainGrace().toMillis() + 60_000;
        return Math.max(300_000, derived);
    }

    /** The liveness stall timeout, derived when not set. */
    public Duration livenessStallTimeout() {
        Duration set = lifecycle.getLivenessStallTimeout();
        return set.isZero() || set.isNegative() ? kafka.getWorstBatchTime().multipliedBy(2).plusSeconds(60) : set;
    }
}
