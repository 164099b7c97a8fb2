package dev.step1x.worker.config;

import java.time.Duration;

/** The WorkerMetrics snapshot on image-edit.metrics. */
public class MetricsProperties {
    /** Interval between snapshots (0 = none). */
    private Duration snapshotInterval = Duration.ofSeconds(30);

    public Duration getSnapshotInterval() { return snapshotInterval; }
    public void setSnapshotInterval(Duration snapshotInterval) { this.snapshotInterval = snapshotInterval; }
}
