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
    void thePollIntervalDrainGraceAndInFlightFollowTheBatchTimeBudget() {
        WorkerProperties props = new WorkerProperties();
        assertThat(props.drainGrace()).as("90 s budget + 20 s to publish").hasSeconds(110);
        assertThat(props.maxPollIntervalMs()).as("2 x 90 + 110 + 60 s").isEqualTo(350_000);
        assertThat(props.maxInFlight()).as("two batches of 4").isEqualTo(8);
        props.getBatching().setBatchTimeBudget(java.time.Duration.ofSeconds(10));
        assertThat(props.maxPollIntervalMs()).as("at least 300 s").isEqualTo(300_000);
        props.getBatching().setBatchTimeBudget(java.time.Duration.ofSeconds(300));
        assertThat(props.drainGrace()).hasSeconds(320);
        assertThat(props.maxPollIntervalMs()).isEqualTo((2 * 300 + 320 + 60) * 1000L);
        props.getLifecycle().setDrainGrace(java.time.Duration.ofSeconds(10));
        assertThat(props.drainGrace()).as("as set").hasSeconds(10);
        props.getBatching().setMaxInFlight(64);
        assertThat(props.maxInFlight()).as("as set").isEqualTo(64);
    }

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

        Map<String, Object> set = new HashMap<>(Map.of(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, 123_000));
        c.configure(set, KafkaCustomizations.INGEST_BINDING, "image-edit.requests");
        assertThat(set).as("a value set in the binder's configuration wins")
                .containsEntry(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, 123_000);

        Map<String, Object> other = new HashMap<>();
        c.configure(other, "results-out-0", "image-edit.results");
        assertThat(other).as("only the request binding").isEmpty();
    }
}
