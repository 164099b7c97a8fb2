package dev.step1x.worker.config;

import dev.step1x.worker.pipeline.RequestStarts;

/**
 * Crash-loop protection ({@code worker.poison.*}): each request's starts on the device are counted in a marker
 * object beside its output, so that a request that kills every worker running it is answered REPEATED_CRASH
 * instead of being run again.
 */
public class PoisonProperties {
    /**
     * Starts without an answer after which a request is answered FAILED / REPEATED_CRASH instead of run again; 0
     * turns the start count off (no marker objects are read or written).
     */
    private int maxStarts = 3;

    public int getMaxStarts() { return maxStarts; }
    public void setMaxStarts(int maxStarts) { this.maxStarts = maxStarts; }

    public RequestStarts.Settings toSettings() {
        if (maxStarts < 0) {
            throw new IllegalArgumentException("worker.poison.max-starts must be >= 0 (0: off), got " + maxStarts);
        }
        return new RequestStarts.Settings(maxStarts);
    }
}
