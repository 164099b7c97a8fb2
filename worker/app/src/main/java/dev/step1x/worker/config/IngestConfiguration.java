package dev.step1x.worker.config;

import dev.step1x.worker.ingest.ConsumptionGate;
import dev.step1x.worker.ingest.IngestHandler;
import dev.step1x.worker.ingest.OffsetTracker;
import dev.step1x.worker.lifecycle.GroupLeave;
import dev.step1x.worker.metrics.CpuMeter;
import dev.step1x.worker.metrics.WorkerStats;
import dev.step1x.worker.pipeline.Answerer;
import dev.step1x.worker.pipeline.Intake;
import dev.step1x.worker.pipeline.RevokedWork;
import dev.step1x.worker.publish.ResultSink;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.function.Consumer;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.cloud.stream.binder.kafka.KafkaBindingRebalanceListener;
import org.springframework.cloud.stream.binder.kafka.KafkaListenerContainerCustomizer;
import org.springframework.cloud.stream.binder.kafka.support.ConsumerConfigCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.support.Acknowledgment;
import org.springframework.messaging.Message;

/** Wires the Kafka side: the request binding's consumer, its offset tracking and pausing, and its client settings. */
@Configuration(proxyBeanMethods = false)
public class IngestConfiguration {

    @Bean
    ConsumptionGate consumptionGate() {
        return new ConsumptionGate();
    }

    @Bean
    OffsetTracker<Acknowledgment> offsetTracker() {
        return new OffsetTracker<>(Acknowledgment::acknowledge);
    }

    @Bean
    IngestHandler ingestHandler(OffsetTracker<Acknowledgment> tracker, ConsumptionGate gate, Intake intake,
            Answerer answerer, ResultSink sink, WorkerStats stats, MeterRegistry meters, CpuMeter cpu,
            WorkerProperties props) {
        return new IngestHandler(tracker, gate, intake, answerer, sink, stats, meters, cpu,
                props.maxInFlight());
    }

    /** The request binding's function (spring.cloud.function.definition=ingest). */
    @Bean
    Consumer<Message<byte[]>> ingest(IngestHandler handler) {
        return handler::accept;
    }

    @Bean
    ConsumerConfigCustomizer workerConsumerConfig(WorkerProperties props, GroupLeave groupLeave) {
        return KafkaCustomizations.consumerConfig(props, groupLeave);
    }

    /** Leaves the group after the request binding stopped, under static membership (see GroupLeave). */
    @Bean
    GroupLeave groupLeave(WorkerProperties props) {
        return new GroupLeave(props.getKafka().isLeaveGroupOnShutdown(), Duration.ofSeconds(10));
    }

    @Bean
    KafkaListenerContainerCustomizer workerContainerCustomizer(WorkerProperties props, ConsumptionGate gate,
            @Value("${spring.cloud.stream.bindings.ingest-in-0.destination:image-edit.requests}") String destination) {
        return KafkaCustomizations.container(props, gate, destination);
    }

    @Bean
    KafkaBindingRebalanceListener workerRebalanceListener(OffsetTracker<Acknowledgment> tracker,
            RevokedWork revokedWork) {
        return KafkaCustomizations.rebalance(tracker, revokedWork);
    }
}
