package dev.step1x.worker.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.step1x.contracts.EditResult;
import dev.step1x.contracts.ErrorCode;
import dev.step1x.contracts.ResultStatus;
import dev.step1x.engine.ModelVersion;
import dev.step1x.engine.pipeline.BucketKey;
import dev.step1x.worker.support.Images;
import dev.step1x.worker.support.ItEnvironment;
import dev.step1x.worker.support.Workers;
import dev.step1x.worker.support.ItEnvironment.Collector;
import dev.step1x.worker.support.ItEnvironment.Topics;
import dev.step1x.worker.support.Requests;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * A worker whose (simulated) device memory holds two 512-level rows while its memory plan claims 1.6 times
 * that: a batch of three runs out of memory, is re-run in halves (2 + 1), and the bucket's batches are capped
 * from then on; nothing is lost or answered twice. A 768-level request, which the optimistic plan lets run
 * alone, runs out of memory by itself and is answered FAILED/DOES_NOT_FIT_DEVICE; a 1024-level one, which
 * not even the plan fits, is refused before it queues with the same code.
 */
class OutOfMemoryIT {

    static Topics topics;
    static ConfigurableApplicationContext worker;
    static KafkaProducer<byte[], byte[]> producer;
    static Collector results;
    /** Pixels of one 512-level row of the landscape sample. */
    static long rowPixels;

    @BeforeAll
    static void start() {
        ItEnvironment.start();
        topics = Topics.of("oom-it", 1);
        ItEnvironment.put(ItEnvironment.INPUTS, "in/landscape.png", Images.sample(Images.LANDSCAPE_PNG));
        rowPixels = pixels(512);
        // the scenario needs: 3 rows of 512 planned (3.2 rows), 768 planned alone but > 2 rows, 1024 not planned
        assertThat(pixels(768)).isBetween(2 * rowPixels + 1, (long) (3.2 * rowPixels));
        assertThat(pixels(1024)).isGreaterThan((long) (3.2 * rowPixels));
        worker = Workers.start(ItEnvironment.workerArgs(topics,
                "worker.id=oom-it-1",
                "worker.engine.mode=simulated",
                "worker.engine.model-versions=v1.1",
                "worker.engine.simulated.base=40ms",
                "worker.engine.simulated.per-row=10ms",
                "worker.engine.simulated.device-memory-pixels=" + 2 * rowPixels,
                "worker.engine.simulated.planner-optimism=1.6",
                "worker.batching.max-batch-rows=4",
                "worker.batching.max-delay=2s",
                "worker.limits.max-pixels=4194304"));
        producer = ItEnvironment.producer();
        results = new Collector(topics.results());
    }

    static long pixels(int sizeLevel) {
        BucketKey b = BucketKey.of(320, 240, sizeLevel, ModelVersion.V1_1, 28);
        return (long) b.width() * b.height();
    }

    @AfterAll
    static void stop() {
        if (producer != null) {
            producer.close();
        }
        if (worker != null) {
            worker.close();
        }
        if (results != null) {
            results.close();
        }
    }

    @Test
    void anOutOfMemoryBatchIsSplitAndNoRequestIsLostOrDuplicated() {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            String id = "oom-" + i;
            ids.add(id);
            ItEnvironment.send(producer, topics.requests(), id, Requests.edit(id, "in/landscape.png", "make it blue", 512),
                    Map.of());
        }
        ItEnvironment.send(producer, topics.requests(), "oom-alone", Requests.edit("oom-alone", "in/landscape.png",
                "make it blue", 768), Map.of());
        ItEnvironment.send(producer, topics.requests(), "oom-never", Requests.edit("oom-never", "in/landscape.png",
                "make it blue", 1024), Map.of());
        List<String> all = new ArrayList<>(ids);
        all.add("oom-alone");
        all.add("oom-never");
        await().atMost(Duration.ofSeconds(60)).until(() -> results.results().keySet().containsAll(all));

        Map<String, List<EditResult>> byId = results.results();
        for (String id : ids) {
            assertThat(byId.get(id)).as(id + " answered once").hasSize(1);
            EditResult r = byId.get(id).get(0);
            assertThat(r.status()).as(id + " " + r.error()).isEqualTo(ResultStatus.SUCCEEDED);
            // a 3-row batch never survives this device: every answer came from a batch of at most 2 rows
            assertThat(r.batch().rows()).as(id).isBetween(1, 2);
        }
        // the first full batch (3 rows) was split into 2 + 1 and the bucket is capped at 1 from then on
        assertThat(ids.stream().mapToInt(id -> byId.get(id).get(0).batch().rows()).max().orElse(0)).isEqualTo(2);

        EditResult alone = byId.get("oom-alone").get(0);
        assertThat(alone.status()).isEqualTo(ResultStatus.FAILED);
        assertThat(alone.error().code()).isEqualTo(ErrorCode.DOES_NOT_FIT_DEVICE);
        assertThat(alone.error().message()).contains("out of memory");
        EditResult never = byId.get("oom-never").get(0);
        assertThat(never.status()).isEqualTo(ResultStatus.FAILED);
        assertThat(never.error().code()).isEqualTo(ErrorCode.DOES_NOT_FIT_DEVICE);
        assertThat(byId.get("oom-alone")).hasSize(1);
        assertThat(byId.get("oom-never")).hasSize(1);
    }
}
