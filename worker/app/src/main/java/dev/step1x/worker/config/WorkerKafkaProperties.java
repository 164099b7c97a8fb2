package dev.step1x.worker.config;

import java.time.Duration;

/**
 * Kafka client settings of the worker's own (max.poll.interval.ms is derived from the batch time budget:
 * {@link WorkerProperties#maxPollIntervalMs()}). Plain client settings (max.poll.records, security)
 * belong to the binder: {@code spring.cloud.stream.kafka.bindings.ingest-in-0.consumer.configuration.*} and
 * {@code spring.cloud.stream.kafka.binder.configuration.*}.
 */
public class WorkerKafkaProperties {
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

    public boolean isStaticMembership() { return staticMembership; }
    public void setStaticMembership(boolean staticMembership) { this.staticMembership = staticMembership; }
    public String getGroupInstanceId() { return groupInstanceId; }
    public void setGroupInstanceId(String groupInstanceId) { this.groupInstanceId = groupInstanceId; }
    public boolean isLeaveGroupOnShutdown() { return leaveGroupOnShutdown; }
    public void setLeaveGroupOnShutdown(boolean leaveGroupOnShutdown) { this.leaveGroupOnShutdown = leaveGroupOnShutdown; }
    public Duration getPollTimeout() { return pollTimeout; }
    public void setPollTimeout(Duration pollTimeout) { this.pollTimeout = pollTimeout; }
}
