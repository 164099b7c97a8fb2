package dev.step1x.worker.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.step1x.contracts.EditResult;
import dev.step1x.contracts.ResultStatus;
import dev.step1x.worker.ingest.ConsumptionGate;
import dev.step1x.worker.support.Images;
import dev.step1x.worker.support.ItEnvironment;
import dev.step1x.worker.support.Workers;
import dev.step1x.worker.support.ItEnvironment.Collector;
import dev.step1x.worker.support.Requests;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * S3 goes away (the S3Proxy process is killed) while requests arrive: the circuit breaker opens,
 * consumption pauses, requests are parked rather than failed or dead-lettered, and when S3 comes back
 * every request succeeds.
 */
class StorageOutageIT {

    @Test
    void outagePausesConsumptionAndNothingIsLostOrDeadLettered() throws Exception {
        ItEnvironment.start();
        ItEnvironment.Topics topics = ItEnvironment.Topics.of("outage-it", 1);
        ItEnvironment.put(ItEnvironment.INPUTS, "outage/landscape.png", Images.sample(Images.LANDSCAPE_PNG));
        ConfigurableApplicationContext worker = Workers.start(ItEnvironment.workerArgs(topics,
                "worker.engine.mode=simulated",
                "resilience4j.retry.instances.s3.max-attempts=2",
                "resilience4j.retry.instances.s3.wait-duration=50ms",
                "resilience4j.circuitbreaker.configs.s3.minimum-number-of-calls=2",
                "resilience4j.circuitbreaker.configs.s3.sliding-window-size=4",
                "resilience4j.circuitbreaker.configs.s3.wait-duration-in-open-state=1s",
                "worker.storage.outage.retry-delay=300ms",
                "worker.storage.outage.max-retry-delay=1s",
                // far fewer rounds than the outage lasts: while the breaker is open no round is counted
                "worker.storage.outage.max-rounds=3",
                "worker.storage.call-timeout=2s",
                "worker.metrics.snapshot-interval=0s"));
        ConsumptionGate gate = worker.getBean(ConsumptionGate.class);
        try (Collector results = new Collector(topics.results());
                Collector dlq = new Collector(topics.dlq());
                KafkaProducer<byte[], byte[]> producer = ItEnvironment.producer()) {
            ItEnvironment.send(producer, topics.requests(), "outage-warm",
                    Requests.edit("outage-warm", "outage/landscape.png", "warm", 512), Map.of());
            await().atMost(Duration.ofSeconds(30)).until(() -> results.results().containsKey("outage-warm"));

            ItEnvironment.s3proxy().stopProcess();
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                String id = "outage-" + i;
                ids.add(id);
                ItEnvironment.send(producer, topics.requests(), id,
                        Requests.edit(id, "outage/landscape.png", "during the outage", 512), Map.of());
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> gate.isPaused(ConsumptionGate.Reason.STORAGE_OUTAGE));
            Thread.sleep(4000); // longer than max-rounds (3) parking waits: none may end in an answer
            assertThat(results.results().keySet()).doesNotContainAnyElementsOf(ids);

            ItEnvironment.s3proxy().startProcess();
            await().atMost(Duration.ofSeconds(60)).until(() -> results.results().keySet().containsAll(ids));
            Map<String, EditResult> byId = results.firstResults();
            for (String id : ids) {
                assertThat(byId.get(id).status()).as(id + " " + byId.get(id).error()).isEqualTo(ResultStatus.SUCCEEDED);
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> !gate.isPaused(ConsumptionGate.Reason.STORAGE_OUTAGE));
            assertThat(dlq.records()).isEmpty();
        } finally {
            ItEnvironment.s3proxy().startProcess();
            worker.close();
        }
    }
}
