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
    private Duration pollTimeout = Duration.ofSeconds(1);

    public boolean isStaticMembership() { return staticMembership; }
    public void setStaticMembership(boolean staticMembership) { this.staticMembership = staticMembership; }
    public String getGroupInstanceId() { return groupInstanceId; }
    public void setGroupInstanceId(String groupInstanceId) { this.groupInstanceId = groupInstanceId; }
    public Duration getPollTimeout() { return pollTimeout; }
    public void setPollTimeout(Duration pollTimeout) { this.pollTimeout = pollTimeout; }
}
