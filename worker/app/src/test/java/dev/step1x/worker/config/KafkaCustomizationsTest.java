package dev.step1x.worker.config;

import static org.assertj.core.api.Assertions.assertThat;

import dev.step1x.worker.lifecycle.GroupLeave;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.junit.jupiter.api.Test;
import org.springframework.cloud.stream.binder.kafka.support.ConsumerConfigCustomizer;

/** What the worker derives for the request consumer, and what it leaves to the binder's configuration. */
class KafkaCustomizationsTest {

    @Test
    void derivesThePollIntervalAndLeavesMaxPollRecordsToTheBinder() {
        WorkerProperties props = new WorkerProperties();
        GroupLeave leave = new GroupLeave(true, Duration.ofSeconds(1));
        ConsumerConfigCustomizer c = KafkaCustomizations.consumerConfig(props, leave);
        Map<String, Object> config = new HashMap<>(Map.of(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 7));
        c.configure(config, KafkaCustomizations.INGEST_BINDING, "image-edit.requests");
        assertThat(config).containsEntry(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 7)
                .containsEntry(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, (int) props.maxPollIntervalMs())
                .containsEntry(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG,
                        CooperativeStickyAssignor.class.getName())
                .doesNotContainKey(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG);

        Map<String, Object> other = new HashMap<>();
        c.configure(other, "results-out-0", "image-edit.results");
        assertThat(other).as("only the request binding").isEmpty();
        assertThat(leave.membership()).as("no static membership, nothing to leave").isNull();
    }

    @Test
    void staticMembershipHandsTheGroupAndTheConnectionSettingsToTheGroupLeave() {
        WorkerProperties props = new WorkerProperties();
        props.getKafka().setStaticMembership(true);
        props.getKafka().setGroupInstanceId("worker-7");
        GroupLeave leave = new GroupLeave(true, Duration.ofSeconds(1));
        Map<String, Object> config = new HashMap<>(Map.of(ConsumerConfig.GROUP_ID_CONFIG, "image-edit-workers",
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, "b1:9092", "security.protocol", "SASL_SSL",
                ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 7));
        KafkaCustomizations.consumerConfig(props, leave).configure(config, KafkaCustomizations.INGEST_BINDING,
                "image-edit.requests");
        assertThat(config).containsEntry(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, "worker-7");
        GroupLeave.Membership m = leave.membership();
        assertThat(m.groupId()).isEqualTo("image-edit-workers");
        assertThat(m.instanceId()).isEqualTo("worker-7");
        assertThat(m.adminConfig()).containsEntry(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, "b1:9092")
                .containsEntry("security.protocol", "SASL_SSL")
                .as("consumer-only settings are not admin settings").doesNotContainKey(ConsumerConfig.MAX_POLL_RECORDS_CONFIG);
    }

    @Test
    void theGroupLeaveRemovesTheContainersConsumersOnly() {
        assertThat(GroupLeave.isOurs("worker-1", "worker-1")).isTrue();
        assertThat(GroupLeave.isOurs("worker-1", "worker-1-0")).isTrue();
        assertThat(GroupLeave.isOurs("worker-1", "worker-1-12")).isTrue();
        assertThat(GroupLeave.isOurs("worker-1", "worker-10-0")).isFalse();
        assertThat(GroupLeave.isOurs("worker-1", "worker-1-")).isFalse();
        assertThat(GroupLeave.isOurs("worker-1", "worker-1-a")).isFalse();
    }
}
