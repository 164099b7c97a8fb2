package dev.step1x.worker.config;

import java.time.Duration;

/**
 * Kafka client settings derived from the worker's own numbers. Plain client settings (max.poll.records, security)
 * belong to the binder: {@code spring.cloud.stream.kafka.bindings.ingest-in-0.consumer.configuration.*} and
 * {@code spring.cloud.stream.kafka.binder.configuration.*}.
 */
public class WorkerKafkaProperties {
    /** Worst expected batch time; max.poll.interval.ms = 2 x this + drain grace + 60 s (at least 300 s). */
    private Duration worstBatchTime = Duration.ofMinutes(2);
    /** Static membership: group.instance.id = group-instance-id, else the worker id (pod name). */
    private boolean staticMembership = false;
    private String groupInstanceId;
    /**
     * Under static membership, leave the group at shutdown (SIGTERM, spot notice) once the consumer closed, so its
     * partitions move at once instead of after session.timeout.ms. Off: a worker restarted with the same instance id
     * within the session timeout gets its partitions back without a rebalance.
     */
    private boolean leaveGroupOnShutdown = true;
    private Duration pollTimeout = Duration.ofSeconds(1);

    public Duration getWorstBatchTime() { return worstBatchTime; }
    public void setWorstBatchTime(Duration worstBatchTime) { this.worstBatchTime = worstBatchTime; }
    public boolean isStaticMembership() { return staticMembership; }
    public void setStaticMembership(boolean staticMembership) { this.staticMembership = staticMembership; }
    public String getGroupInstanceId() { return groupInstanceId; }
    public void setGroupInstanceId(String groupInstanceId) { this.groupInstanceId = groupInstanceId; }
    public boolean isLeaveGroupOnShutdown() { return leaveGroupOnShutdown; }
    public void setLeaveGroupOnShutdown(boolean leaveGroupOnShutdown) { this.leaveGroupOnShutdown = leaveGroupOnShutdown; }
    public Duration getPollTimeout() { return pollTimeout; }
    public void setPollTimeout(Duration pollTimeout) { this.pollTimeout = pollTimeout; }
}
