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
    /**
     * The longest device time of one batch: rows are capped so that rows x pixels x steps x the learned seconds per
     * step-pixel stays within it, and a request that needs longer alone is REJECTED (EXCEEDS_TIME_BUDGET). The drain
     * grace and max.poll.interval.ms are derived from it. 90 s: the largest that keeps the chart's termination grace
     * (preStop 5 s + budget + publish 20 s + exit 5 s) inside the 120 s of a spot notice, and on an H800 it lets the
     * schema's longest request (100 steps at 1024, ~79 s) run alone and a full default batch (4 x 1024² x 28 steps,
     * ~88 s) run whole.
     */
    private Duration batchTimeBudget = Duration.ofSeconds(90);
    /**
     * The starting rate of the budget's cost model: device seconds of one row's denoising step per megapixel
     * (0: by engine mode: 0.75 in model mode, the official H800 figure of 22 s for a 1024² 28-step edit; in simulated
     * mode the stand-in's own cost settings). Learned from measured batches from then on.
     */
    private double secondsPerStepMegapixel = 0;
    /** Weight of each measured batch in the learned rate (exponentially weighted mean; 0: never learn). */
    private double timeLearningWeight = 0.2;
    /**
     * Records taken from Kafka and not yet committed; consumption pauses at this many (0: two batches, 2 x
     * max-batch-rows: one running, one prepared; more only holds work that a rebalance would move or redo).
     */
    private int maxInFlight = 0;
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
    public Duration getBatchTimeBudget() { return batchTimeBudget; }
    public void setBatchTimeBudget(Duration batchTimeBudget) { this.batchTimeBudget = batchTimeBudget; }
    public double getSecondsPerStepMegapixel() { return secondsPerStepMegapixel; }
    public void setSecondsPerStepMegapixel(double v) { this.secondsPerStepMegapixel = v; }
    public double getTimeLearningWeight() { return timeLearningWeight; }
    public void setTimeLearningWeight(double timeLearningWeight) { this.timeLearningWeight = timeLearningWeight; }
    public int getMaxInFlight() { return maxInFlight; }
    public void setMaxInFlight(int maxInFlight) { this.maxInFlight = maxInFlight; }
    public int getPrefetchThreads() { return prefetchThreads; }
    public void setPrefetchThreads(int prefetchThreads) { this.prefetchThreads = prefetchThreads; }
    public int getUploadThreads() { return uploadThreads; }
    public void setUploadThreads(int uploadThreads) { this.uploadThreads = uploadThreads; }
}
