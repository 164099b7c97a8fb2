package dev.step1x.worker.config;

import static org.assertj.core.api.Assertions.assertThat;

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
        ConsumerConfigCustomizer c = KafkaCustomizations.consumerConfig(props);
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
    }
}
