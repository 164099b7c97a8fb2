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
        GroupLeave leave = new GroupLeave(true, Duration.ofSeconds(1));
        ConsumerConfigCustomizer c = KafkaCustomizations.consumerConfig(props, leave);
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

    @Test
    void theLivenessStallTimeoutFollowsTheStepTimeNotTheBatchTime() {
        WorkerProperties props = new WorkerProperties();
        dev.step1x.worker.batching.BatchTimeBudget h800 = new dev.step1x.worker.batching.BatchTimeBudget(
                props.batchTimeBudget());
        // one step of 4 rows of 1024² on an H800 is ~3.1 s: 10 steps are under the 60 s floor
        assertThat(props.livenessStallTimeout(h800)).hasSeconds(60);
        // a device 4 x slower: ~12.6 s per step, so ~126 s, still far below a whole batch
        dev.step1x.engine.pipeline.BucketKey k = new dev.step1x.engine.pipeline.BucketKey(
                dev.step1x.engine.ModelVersion.V1_1, 1024, 1024, 28);
        dev.step1x.worker.batching.BatchTimeBudget slow = new dev.step1x.worker.batching.BatchTimeBudget(
                new dev.step1x.worker.batching.BatchTimeBudget.Settings(java.time.Duration.ofSeconds(90),
                        4 * h800.secondsPerStepMegapixel(), 0.2));
        assertThat(props.livenessStallTimeout(slow).toSeconds()).isBetween(120L, 130L);
        assertThat(props.livenessStallTimeout(slow)).isLessThan(slow.estimate(k, 4));
        props.getLifecycle().setLivenessStallTimeout(java.time.Duration.ofSeconds(5));
        assertThat(props.livenessStallTimeout(slow)).as("as set").hasSeconds(5);
    }

    @Test
    void theStartingRateComesFromTheEngineMode() {
        WorkerProperties props = new WorkerProperties();
        assertThat(props.batchTimeBudget().secondsPerStepMegapixel()).as("model mode: the H800 figure")
                .isCloseTo(0.75, org.assertj.core.data.Offset.offset(0.01));
        props.getEngine().setMode("simulated");
        props.getEngine().getSimulated().setPerStepMegapixel(java.time.Duration.ofMillis(100));
        assertThat(props.batchTimeBudget().secondsPerStepMegapixel()).as("the stand-in's own costs")
                .isCloseTo(0.1 + 0.055 / (28 * 1.048576), org.assertj.core.data.Offset.offset(1e-6));
        props.getBatching().setSecondsPerStepMegapixel(2.5);
        assertThat(props.batchTimeBudget().secondsPerStepMegapixel()).as("as set").isEqualTo(2.5);
    }
}
