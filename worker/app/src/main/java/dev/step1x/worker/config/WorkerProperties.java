package dev.step1x.worker.config;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Every tunable of the worker, under the {@code worker.} prefix (application.properties documents the
 * defaults). Kafka topics, group and client settings stay in the standard {@code spring.cloud.stream.*}
 * properties; what is derived from these values (max.poll.interval.ms, group.instance.id) is applied by
 * {@link KafkaCustomizations}.
 */
@ConfigurationProperties(prefix = "worker")
public class WorkerProperties {

    /** Worker instance id in results and metrics; default: $POD_NAME, else $HOSTNAME, else worker-PID. */
    private String id;
    private final Engine engine = new Engine();
    private final Batching batching = new Batching();
    private final Limits limits = new Limits();
    private final Storage storage = new Storage();
    private final Kafka kafka = new Kafka();
    private final Metrics metrics = new Metrics();
    private final Lifecycle lifecycle = new Lifecycle();

    public String getId() { return id; }
    public void setId(String id) { this.id = id; }
    public Engine getEngine() { return engine; }
    public Batching getBatching() { return batching; }
    public Limits getLimits() { return limits; }
    public Storage getStorage() { return storage; }
    public Kafka getKafka() { return kafka; }
    public Metrics getMetrics() { return metrics; }
    public Lifecycle getLifecycle() { return lifecycle; }

    /** Which engine runs the edits. */
    public static class Engine {
        /**
         * model (Step1XEditPipeline from model-dir; the default) or simulated (a stand-in with no model, for tests
         * and demos; it runs only when named here, and every result and metric it produces says so).
         */
        private String mode = "model";
        /** Model directory in the official layout (or the demo model); required in model mode. */
        private String modelDir;
        /**
         * The Qwen2.5-VL-7B-Instruct directory when it is not model-dir/Qwen2.5-VL-7B-Instruct: a plain directory,
         * a Hugging Face cache entry or one of its snapshots (unset: inside model-dir).
         */
        private String qwenDir;
        /** cpu, gpu or gpu:N. */
        private String device = "cpu";
        /** Where DJL extracts natives (null: DJL's default). */
        private String cacheDir;
        /** libtorch intra-op threads (null: libtorch's default). */
        private Integer numThreads;
        /** Compute type of the DiT, connector and Qwen: auto (fp16 on a GPU, fp32 on the CPU), fp32 or fp16. */
        private String dtype = "auto";
        /** Keep Qwen's weights in host memory between encodings (GPU only): more DiT rows per batch. */
        private boolean qwenOffload;
        /** libtorch's fused attention and GroupNorm: auto (when the start-up self-test passes), fused or composed. */
        private String fusedOps = "auto";
        /**
         * Model versions this worker serves; other requests are REJECTED with MODEL_VERSION_UNAVAILABLE. In model
         * mode the model directory must hold each one (start-up fails naming a missing one); the warm-up batch runs
         * on the first.
         */
        private List<String> modelVersions = new ArrayList<>(List.of("v1.0", "v1.1"));
        private final Simulated simulated = new Simulated();
        private final Warmup warmup = new Warmup();

        public String getMode() { return mode; }
        public void setMode(String mode) { this.mode = mode; }
        public String getModelDir() { return modelDir; }
        public void setModelDir(String modelDir) { this.modelDir = modelDir; }
        public String getQwenDir() { return qwenDir; }
        public void setQwenDir(String qwenDir) { this.qwenDir = qwenDir; }
        public String getDevice() { return device; }
        public void setDevice(String device) { this.device = device; }
        public String getCacheDir() { return cacheDir; }
        public void setCacheDir(String cacheDir) { this.cacheDir = cacheDir; }
        public Integer getNumThreads() { return numThreads; }
        public void setNumThreads(Integer numThreads) { this.numThreads = numThreads; }
        public String getDtype() { return dtype; }
        public void setDtype(String dtype) { this.dtype = dtype; }
        public boolean isQwenOffload() { return qwenOffload; }
        public void setQwenOffload(boolean qwenOffload) { this.qwenOffload = qwenOffload; }
        public String getFusedOps() { return fusedOps; }
        public void setFusedOps(String fusedOps) { this.fusedOps = fusedOps; }
        public List<String> getModelVersions() { return modelVersions; }
        public void setModelVersions(List<String> modelVersions) { this.modelVersions = modelVersions; }
        public Simulated getSimulated() { return simulated; }
        public Warmup getWarmup() { return warmup; }
    }

    /** The stand-in engine's cost model: each batch sleeps base + perRow * rows. */
    public static class Simulated {
        private Duration base = Duration.ofMillis(40);
        private Duration perRow = Duration.ofMillis(15);
        /** Simulated device memory in bucket pixels (0: unlimited); batches beyond it fail as out of memory. */
        private long deviceMemoryPixels;
        /** How much the simulated memory plan overestimates what fits (1: exact). */
        private double plannerOptimism = 1.0;
        /**
         * Each run of a request gives slightly different output bytes (seeded from the run), as the real engine's do
         * between batches and GPU types; on in the load tests, so that a request computed twice shows.
         */
        private boolean varyPerRun;

        public Duration getBase() { return base; }
        public void setBase(Duration base) { this.base = base; }
        public Duration getPerRow() { return perRow; }
        public void setPerRow(Duration perRow) { this.perRow = perRow; }
        public long getDeviceMemoryPixels() { return deviceMemoryPixels; }
        public void setDeviceMemoryPixels(long pixels) { this.deviceMemoryPixels = pixels; }
        public double getPlannerOptimism() { return plannerOptimism; }
        public void setPlannerOptimism(double optimism) { this.plannerOptimism = optimism; }
        public boolean isVaryPerRun() { return varyPerRun; }
        public void setVaryPerRun(boolean varyPerRun) { this.varyPerRun = varyPerRun; }
    }

    /**
     * One batch run before the worker reports ready, on the first configured model version the model directory has.
     * A small size level and one step keep the start fast; requests default to size level 1024.
     */
    public static class Warmup {
        private boolean enabled = true;
        private int sizeLevel = 512;
        private int steps = 1;

        public boolean isEnabled() { return enabled; }
        public void setEnabled(boolean enabled) { this.enabled = enabled; }
        public int getSizeLevel() { return sizeLevel; }
        public void setSizeLevel(int sizeLevel) { this.sizeLevel = sizeLevel; }
        public int getSteps() { return steps; }
        public void setSteps(int steps) { this.steps = steps; }
    }

    /** Dynamic batching by bucket. */
    public static class Batching {
        /** Rows per batch unless a per-bucket override or the pixel budget says fewer. */
        private int maxBatchRows = 4;
        /** Per-bucket row caps by wire key, e.g. {@code worker.batching.max-rows-by-bucket[v1.1:1024x1024:28]=2}. */
        private Map<String, Integer> maxRowsByBucket = new LinkedHashMap<>();
        /** Memory plan: rows x height x width of one batch stays at or under this (0 = no pixel cap). */
        private long maxBatchPixels = 0;
        /** A non-full batch leaves once its oldest request has waited this long. */
        private Duration maxDelay = Duration.ofMillis(200);
        /**
         * Deficit-round-robin quantum in cost units; a batch costs rows x (h x w / 1024²) x (steps / 28),
         * so the default (0 = max-batch-rows) lets one full 1024² 28-step batch through per round.
         */
        private double drrQuantum = 0;
        /** Records taken from Kafka and not yet committed; consumption pauses at this many. */
        private int maxInFlight = 64;
        /** Threads that fetch and decode inputs while the engine runs (the overlap). */
        private int prefetchThreads = 4;
        /** Threads that upload outputs and publish results. */
        private int uploadThreads = 4;

        public int getMaxBatchRows() { return maxBatchRows; }
        public void setMaxBatchRows(int maxBatchRows) { this.maxBatchRows = maxBatchRows; }
        public Map<String, Integer> getMaxRowsByBucket() { return maxRowsByBucket; }
        public void setMaxRowsByBucket(Map<String, Integer> m) { this.maxRowsByBucket = m; }
        public long getMaxBatchPixels() { return maxBatchPixels; }
        public void setMaxBatchPixels(long maxBatchPixels) { this.maxBatchPixels = maxBatchPixels; }
        public Duration getMaxDelay() { return maxDelay; }
        public void setMaxDelay(Duration maxDelay) { this.maxDelay = maxDelay; }
        public double getDrrQuantum() { return drrQuantum; }
        public void setDrrQuantum(double drrQuantum) { this.drrQuantum = drrQuantum; }
        public int getMaxInFlight() { return maxInFlight; }
        public void setMaxInFlight(int maxInFlight) { this.maxInFlight = maxInFlight; }
        public int getPrefetchThreads() { return prefetchThreads; }
        public void setPrefetchThreads(int prefetchThreads) { this.prefetchThreads = prefetchThreads; }
        public int getUploadThreads() { return uploadThreads; }
        public void setUploadThreads(int uploadThreads) { this.uploadThreads = uploadThreads; }
    }

    /** Checks on the input before it is decoded. */
    public static class Limits {
        /** Largest input object in bytes (checked from Content-Length, then while reading). */
        private long maxInputBytes = 32L * 1024 * 1024;
        /** Largest width x height, read from the image header before decoding (default 4096²). */
        private long maxPixels = 4096L * 4096;
        /** Accepted input formats: png, jpeg, webp (the request contract promises all three). */
        private List<String> allowedFormats = new ArrayList<>(List.of("png", "jpeg", "webp"));
        /** Most scans of a JPEG input (progressive files have about 10; each scan is a pass over the image). */
        private int maxJpegScans = 100;
        /** Wall time one input may take to decode; past it the decoder is aborted and the input refused. */
        private Duration decodeTimeBudget = Duration.ofSeconds(10);

        public long getMaxInputBytes() { return maxInputBytes; }
        public void setMaxInputBytes(long maxInputBytes) { this.maxInputBytes = maxInputBytes; }
        public long getMaxPixels() { return maxPixels; }
        public void setMaxPixels(long maxPixels) { this.maxPixels = maxPixels; }
        public List<String> getAllowedFormats() { return allowedFormats; }
        public void setAllowedFormats(List<String> allowedFormats) { this.allowedFormats = allowedFormats; }
        public int getMaxJpegScans() { return maxJpegScans; }
        public void setMaxJpegScans(int maxJpegScans) { this.maxJpegScans = maxJpegScans; }
        public Duration getDecodeTimeBudget() { return decodeTimeBudget; }
        public void setDecodeTimeBudget(Duration decodeTimeBudget) { this.decodeTimeBudget = decodeTimeBudget; }
    }

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
    }

    /** Kafka client settings derived from the worker's own numbers. */
    public static class Kafka {
        /** Worst expected batch time; max.poll.interval.ms = 2 x this + drain grace + 60 s (at least 300 s). */
        private Duration worstBatchTime = Duration.ofMinutes(2);
        /** Static membership: group.instance.id = group-instance-id, else the worker id (pod name). */
        private boolean staticMembership = false;
        private String groupInstanceId;
        private int maxPollRecords = 32;
        private Duration pollTimeout = Duration.ofSeconds(1);

        public Duration getWorstBatchTime() { return worstBatchTime; }
        public void setWorstBatchTime(Duration worstBatchTime) { this.worstBatchTime = worstBatchTime; }
        public boolean isStaticMembership() { return staticMembership; }
        public void setStaticMembership(boolean staticMembership) { this.staticMembership = staticMembership; }
        public String getGroupInstanceId() { return groupInstanceId; }
        public void setGroupInstanceId(String groupInstanceId) { this.groupInstanceId = groupInstanceId; }
        public int getMaxPollRecords() { return maxPollRecords; }
        public void setMaxPollRecords(int maxPollRecords) { this.maxPollRecords = maxPollRecords; }
        public Duration getPollTimeout() { return pollTimeout; }
        public void setPollTimeout(Duration pollTimeout) { this.pollTimeout = pollTimeout; }
    }

    /** The WorkerMetrics snapshot on image-edit.metrics. */
    public static class Metrics {
        /** Interval between snapshots (0 = none). */
        private Duration snapshotInterval = Duration.ofSeconds(30);

        public Duration getSnapshotInterval() { return snapshotInterval; }
        public void setSnapshotInterval(Duration snapshotInterval) { this.snapshotInterval = snapshotInterval; }
    }

    /** Shutdown and health. */
    public static class Lifecycle {
        /** On SIGTERM: how long the in-flight batch may take to finish, publish and commit. */
        private Duration drainGrace = Duration.ofSeconds(60);
        /** Liveness fails when the inference loop made no progress for this long (0: 2 x worst batch + 60 s). */
        private Duration livenessStallTimeout = Duration.ZERO;
        /** Results remembered per requestId so a duplicate delivery gets the identical result. */
        private int resultCacheSize = 10_000;
        /** The EC2 spot interruption notice: when it appears the worker drains exactly as on SIGTERM. */
        private final SpotWatcher spotWatcher = new SpotWatcher();

        public SpotWatcher getSpotWatcher() { return spotWatcher; }

        public Duration getDrainGrace() { return drainGrace; }
        public void setDrainGrace(Duration drainGrace) { this.drainGrace = drainGrace; }
        public Duration getLivenessStallTimeout() { return livenessStallTimeout; }
        public void setLivenessStallTimeout(Duration v) { this.livenessStallTimeout = v; }
        public int getResultCacheSize() { return resultCacheSize; }
        public void setResultCacheSize(int resultCacheSize) { this.resultCacheSize = resultCacheSize; }
    }

    /** Watching the instance metadata for a spot interruption notice (off by default; on in the chart for spot nodes). */
    public static class SpotWatcher {
        private boolean enabled = false;
        private Duration interval = Duration.ofSeconds(5);
        private java.net.URI baseUrl = java.net.URI.create("http://169.254.169.254");
        private Duration requestTimeout = Duration.ofSeconds(2);

        public boolean isEnabled() { return enabled; }
        public void setEnabled(boolean enabled) { this.enabled = enabled; }
        public Duration getInterval() { return interval; }
        public void setInterval(Duration interval) { this.interval = interval; }
        public java.net.URI getBaseUrl() { return baseUrl; }
        public void setBaseUrl(java.net.URI baseUrl) { this.baseUrl = baseUrl; }
        public Duration getRequestTimeout() { return requestTimeout; }
        public void setRequestTimeout(Duration requestTimeout) { this.requestTimeout = requestTimeout; }
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
        long derived = 2 * kafka.worstBatchTime.toMillis() + lifecycle.drainGrace.toMillis() + 60_000;
        return Math.max(300_000, derived);
    }

    /** The liveness stall timeout, derived when not set. */
    public Duration livenessStallTimeout() {
        return lifecycle.livenessStallTimeout.isZero() || lifecycle.livenessStallTimeout.isNegative()
                ? kafka.worstBatchTime.multipliedBy(2).plusSeconds(60)
                : lifecycle.livenessStallTimeout;
    }
}
