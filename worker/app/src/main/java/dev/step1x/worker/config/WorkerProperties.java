package dev.step1x.worker.config;

import dev.step1x.worker.batching.BatchTimeBudget;
import dev.step1x.worker.pipeline.OutputLocations;
import dev.step1x.worker.pipeline.StorageRetry;
import dev.step1x.worker.storage.S3ObjectStore;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
    private final PublishProperties publish = new PublishProperties();
    private final PoisonProperties poison = new PoisonProperties();

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
    public PublishProperties getPublish() { return publish; }
    public PoisonProperties getPoison() { return poison; }

    /**
     * S3 access. The retry, the per-bucket circuit breakers and the bulkhead around every call are configured with
     * Resilience4j's own properties ({@code resilience4j.retry.instances.s3.*},
     * {@code resilience4j.circuitbreaker.configs.s3.*}, {@code resilience4j.bulkhead.instances.s3.*}).
     */
    public static class Storage {
        /** Endpoint override for S3-compatible stores (S3Proxy, MinIO); empty for AWS. */
        private URI endpoint;
        private String region = "us-east-1";
        /** Path-style addressing (local stores). */
        private boolean pathStyle = false;
        /** Static credentials (local stores); empty: the SDK's default credential chain. */
        private String accessKey;
        private String secretKey;
        /** Send/validate checksums only when required (older S3Proxy releases reject the SDK's default CRC trailers). */
        private boolean checksumsWhenRequired = false;
        /** Buckets inputs may be read from ("*" = any). */
        private List<String> allowedInputBuckets = new ArrayList<>();
        /** Buckets outputs may be written to ("*" = any). */
        private List<String> allowedOutputBuckets = new ArrayList<>();
        /**
         * Key prefixes allowed per output bucket, e.g. {@code worker.storage.output-prefixes.media-out=edits/,tmp/}
         * (bucket names with dots: {@code worker.storage.output-prefixes[media.out]=edits/}). A request whose
         * output.keyPrefix starts with none of its bucket's prefixes is REJECTED (OUTPUT_PREFIX_NOT_ALLOWED); a
         * bucket without an entry takes any prefix, and the worker says so at start-up.
         */
        private Map<String, List<String>> outputPrefixes = new LinkedHashMap<>();
        /**
         * The AWS account id that must own every bucket the worker calls (sent as ExpectedBucketOwner on each
         * call; S3 answers 403 for a bucket of another account). Empty: not checked.
         */
        private String expectedBucketOwner;
        /** Server-side encryption of outputs: empty, AES256 or aws:kms. */
        private String sse;
        private String sseKmsKeyId;
        /** Timeout of one S3 API call (one attempt: the SDK's own retries are off). */
        private Duration callTimeout = Duration.ofSeconds(30);
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
        public Map<String, List<String>> getOutputPrefixes() { return outputPrefixes; }
        public void setOutputPrefixes(Map<String, List<String>> v) { this.outputPrefixes = v; }
        public String getExpectedBucketOwner() { return expectedBucketOwner; }
        public void setExpectedBucketOwner(String v) { this.expectedBucketOwner = v; }
        public String getSse() { return sse; }
        public void setSse(String sse) { this.sse = sse; }
        public String getSseKmsKeyId() { return sseKmsKeyId; }
        public void setSseKmsKeyId(String sseKmsKeyId) { this.sseKmsKeyId = sseKmsKeyId; }
        public Duration getCallTimeout() { return callTimeout; }
        public void setCallTimeout(Duration callTimeout) { this.callTimeout = callTimeout; }
        public Outage getOutage() { return outage; }

        public S3ObjectStore.Settings toS3Settings() {
            return new S3ObjectStore.Settings(endpoint, region, pathStyle, accessKey, secretKey, checksumsWhenRequired,
                    callTimeout, sse, sseKmsKeyId, expectedBucketOwner);
        }

        public OutputLocations.Settings toOutputLocationSettings() {
            Map<String, List<String>> prefixes = new LinkedHashMap<>();
            outputPrefixes.forEach((bucket, list) -> prefixes.put(bucket, List.copyOf(list)));
            return new OutputLocations.Settings(List.copyOf(allowedOutputBuckets), prefixes);
        }
    }

    /**
     * When S3 fails beyond the retry of one call, the request is parked and tried again after a randomised,
     * growing delay (retry-delay doubling up to max-retry-delay, each wait drawn from its upper half). While the
     * bucket's circuit breaker is open (an outage) it waits for as long as the outage lasts: its record stays
     * uncommitted and it is not answered, unless its deadline passes (EXPIRED). S3 failing with the breaker closed
     * (a single object, a low failure rate) ends after max-rounds in FAILED / STORAGE_UNAVAILABLE. Nothing is
     * dead-lettered.
     */
    public static class Outage {
        private Duration retryDelay = Duration.ofSeconds(1);
        private Duration maxRetryDelay = Duration.ofSeconds(8);
        private int maxRounds = 60;

        public Duration getRetryDelay() { return retryDelay; }
        public void setRetryDelay(Duration retryDelay) { this.retryDelay = retryDelay; }
        public Duration getMaxRetryDelay() { return maxRetryDelay; }
        public void setMaxRetryDelay(Duration maxRetryDelay) { this.maxRetryDelay = maxRetryDelay; }
        public int getMaxRounds() { return maxRounds; }
        public void setMaxRounds(int maxRounds) { this.maxRounds = maxRounds; }

        public StorageRetry.Settings toSettings() {
            return new StorageRetry.Settings(retryDelay, maxRetryDelay, maxRounds);
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

    /** Time after the batch to upload its outputs, publish its results and commit (part of the drain grace). */
    static final Duration PUBLISH_ALLOWANCE = Duration.ofSeconds(20);
    /** The least derived liveness stall timeout: start-up gaps, GC, the stages before the first step. */
    static final Duration MIN_STALL_TIMEOUT = Duration.ofSeconds(60);
    /** The largest size level's pixels (1024²): what the worst step of a full batch is sized for. */
    static final long LARGEST_BUCKET_PIXELS = 1024L * 1024L;
    /** The starting rate in model mode: the official H800 time of a 1024² 28-step edit alone, 22 s. */
    static final double H800_SECONDS_PER_STEP_MEGAPIXEL = 22.0 / (28 * LARGEST_BUCKET_PIXELS / 1e6);

    /** The batch time budget's settings; the starting rate by engine mode when not set. */
    public BatchTimeBudget.Settings batchTimeBudget() {
        double rate = batching.getSecondsPerStepMegapixel();
        if (rate <= 0) {
            rate = "simulated".equalsIgnoreCase(engine.getMode()) ? simulatedSecondsPerStepMegapixel()
                    : H800_SECONDS_PER_STEP_MEGAPIXEL;
        }
        return new BatchTimeBudget.Settings(batching.getBatchTimeBudget(), rate,
                batching.getTimeLearningWeight());
    }

    /** The stand-in engine's cost of a lone 1024² 28-step row, per step-megapixel. */
    private double simulatedSecondsPerStepMegapixel() {
        EngineProperties.Simulated s = engine.getSimulated();
        double fixed = (s.getBase().toNanos() + s.getPerRow().toNanos()) / 1e9 / (28 * LARGEST_BUCKET_PIXELS / 1e6);
        return Math.max(1e-9, fixed + s.getPerStepMegapixel().toNanos() / 1e9);
    }

    /** The drain grace: as set, else the batch time budget plus the time to publish. */
    public Duration drainGrace() {
        Duration set = lifecycle.getDrainGrace();
        return set.isZero() || set.isNegative() ? batching.getBatchTimeBudget().plus(PUBLISH_ALLOWANCE) : set;
    }

    /**
     * max.poll.interval.ms from the batch time budget: 2 x budget + drain grace + 60 s (at least 300 s). The consumer
     * thread never runs a batch, but a drain or a revocation may wait for one.
     */
    public long maxPollIntervalMs() {
        long derived = 2 * batching.getBatchTimeBudget().toMillis() + drainGrace().toMillis() + 60_000;
        return Math.max(300_000, derived);
    }

    /** Records in flight at which consumption pauses: as set, else two batches (2 x max-batch-rows). */
    public int maxInFlight() {
        int set = batching.getMaxInFlight();
        return set > 0 ? set : 2 * Math.max(1, batching.getMaxBatchRows());
    }

    /**
     * The liveness stall timeout: as set, else 10 x the worst gap between two denoising steps (one step of a full
     * batch of the largest size level at the budget's current rate), at least 60 s. Read at each probe, so it follows
     * the learned rate.
     */
    public Duration livenessStallTimeout(BatchTimeBudget budget) {
        Duration set = lifecycle.getLivenessStallTimeout();
        if (!set.isZero() && !set.isNegative()) {
            return set;
        }
        Duration tenSteps = budget.worstStep(Math.max(1, batching.getMaxBatchRows()), LARGEST_BUCKET_PIXELS)
                .multipliedBy(10);
        return tenSteps.compareTo(MIN_STALL_TIMEOUT) > 0 ? tenSteps : MIN_STALL_TIMEOUT;
    }
}
