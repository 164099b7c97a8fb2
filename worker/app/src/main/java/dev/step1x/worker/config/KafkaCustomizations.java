package dev.step1x.worker.config;

import dev.step1x.worker.ingest.ConsumptionGate;
import dev.step1x.worker.ingest.OffsetTracker;
import dev.step1x.worker.lifecycle.GroupLeave;
import dev.step1x.worker.pipeline.RevokedWork;
import java.util.Collection;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.cloud.stream.binder.ExtendedConsumerProperties;
import org.springframework.cloud.stream.binder.kafka.KafkaBindingRebalanceListener;
import org.springframework.cloud.stream.binder.kafka.KafkaListenerContainerCustomizer;
import org.springframework.cloud.stream.binder.kafka.properties.KafkaConsumerProperties;
import org.springframework.cloud.stream.binder.kafka.support.ConsumerConfigCustomizer;
import org.springframework.kafka.listener.AbstractMessageListenerContainer;

/**
 * What the request binding ({@link #INGEST_BINDING}) needs beyond plain properties: consumer settings
 * derived from the worker's numbers, the container handle for pausing, and revocation handling.
 */
public final class KafkaCustomizations {

    public static final String INGEST_BINDING = "ingest-in-0";

    private static final Logger log = LoggerFactory.getLogger(KafkaCustomizations.class);

    private KafkaCustomizations() {}

    /**
     * max.poll.interval.ms from the batch time budget unless set (the consumer thread never runs a batch, but
     * a drain or a revocation may wait for one), cooperative assignment, and the static membership id when
     * enabled. Plain client settings such as max.poll.records come from the binding's consumer configuration
     * ({@code spring.cloud.stream.kafka.bindings.ingest-in-0.consumer.configuration.*}). The final configuration is
     * handed to {@code groupLeave}, which leaves the group with it at shutdown under static membership.
     */
    public static ConsumerConfigCustomizer consumerConfig(WorkerProperties props, GroupLeave groupLeave) {
        return (config, bindingName, destination) -> {
            if (!INGEST_BINDING.equals(bindingName)) {
                return;
            }
            // the chart sets the same derivation explicitly; a value set in the binder's configuration wins
            config.putIfAbsent(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG,
                    (int) Math.min(Integer.MAX_VALUE, props.maxPollIntervalMs()));
            config.putIfAbsent(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, CooperativeStickyAssignor.class.getName());
            if (props.getKafka().isStaticMembership()) {
                String id = props.getKafka().getGroupInstanceId();
                config.put(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, id == null || id.isBlank() ? props.resolvedId() : id);
            }
            groupLeave.consumerConfigured(config);
            log.info("request consumer: max.poll.interval.ms={}, max.poll.records={}, group.instance.id={}",
                    config.get(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG), config.get(ConsumerConfig.MAX_POLL_RECORDS_CONFIG),
                    config.get(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG));
        };
    }

    /** Hands the request container to the gate and sets its poll timeout. */
    public static KafkaListenerContainerCustomizer container(WorkerProperties props, ConsumptionGate gate,
            String requestsDestination) {
        return new KafkaListenerContainerCustomizer() {
            @Override
            public void configure(AbstractMessageListenerContainer<?, ?> container, String destinationName, String group,
                    ExtendedConsumerProperties<KafkaConsumerProperties> extended) {
                if (!requestsDestination.equals(destinationName)) {
                    return;
                }
                container.getContainerProperties().setPollTimeout(props.getKafka().getPollTimeout().toMillis());
                gate.attach(container);
            }

            @Override
            public void configure(AbstractMessageListenerContainer<?, ?> container, String destinationName, String group) {
                configure(container, destinationName, group, null);
            }
        };
    }

    /**
     * Revoked partitions stop acknowledging, and their queued requests are given up (the new owner runs them); a
     * batch already running finishes and publishes (same results).
     */
    public static KafkaBindingRebalanceListener rebalance(OffsetTracker<?> tracker, RevokedWork revokedWork) {
        return new KafkaBindingRebalanceListener() {
            @Override
            public void onPartitionsRevokedAfterCommit(String bindingName, Consumer<?, ?> consumer,
                    Collection<TopicPartition> partitions) {
                if (!partitions.isEmpty()) {
                    log.info("partitions revoked: {}", partitions);
                    tracker.revoke(partitions);
                    revokedWork.dropQueued();
                }
            }

            @Override
            public void onPartitionsAssigned(String bindingName, Consumer<?, ?> consumer,
                    Collection<TopicPartition> partitions, boolean initial) {
                log.info("partitions assigned: {}", partitions);
            }
        };
    }
}
