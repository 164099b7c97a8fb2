package dev.step1x.worker.config;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/** Dynamic batching by bucket. */
public class BatchingProperties {
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
    /** Prefetch threads: fetch, decode and resize inputs while the engine runs (the overlap). */
    private int prefetchThreads = 4;
    /** Finisher threads: resize outputs back, encode and upload them; also sizes the publisher pool (at least 2). */
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
