package dev.step1x.loadtest.scenario;

import dev.step1x.contracts.Headers;
import dev.step1x.loadtest.check.CheckResult;
import dev.step1x.loadtest.env.WorkerProcess;
import dev.step1x.loadtest.gen.BadKind;
import dev.step1x.loadtest.gen.Generator;
import dev.step1x.loadtest.gen.PlannedRequest;
import dev.step1x.loadtest.gen.Profile;
import dev.step1x.loadtest.gen.SentRequest;
import dev.step1x.loadtest.report.RunStats;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Scenarios around publishing answers: a record whose dead letter the producer can never send whole, and a results
 * topic that refuses writes for a while.
 */
final class PublishScenarios {

    /** The oversized request's value: above the worker producer's 1 MiB max.request.size, below the topic's limit. */
    static final int OVERSIZED_BYTES = 1_500_000;

    private PublishScenarios() {}

    /**
     * A ~1.5 MB invalid request (the request topic accepts records up to 2 MiB) among steady load. Its REJECTED result
     * is small, but its dead letter (the whole record plus headers) exceeds the worker producer's max.request.size:
     * RecordTooLargeException, a terminal error. Passes when every request is answered, the dead letter arrived
     * truncated with the original size and SHA-256, and the oversized record's partition committed past it.
     */
    static void oversizedRecord(ScenarioContext ctx, ScenarioResult r) throws Exception {
        Profile p = Scenarios.profile(ctx);
        try (LoadRun run = Scenarios.open(ctx, r, "oversized", p, 4)) {
            setTopicConfig(run, run.topics().requests(), "max.message.bytes", Integer.toString(2 << 20));
            WorkerProcess w = run.startWorker("w1", false);
            double rate = Scenarios.rate(run, ctx, Scenarios.LOAD);
            double secs = ctx.settings().seconds(20, 8);
            run.markLoadStart();
            run.generator().startOpenLoop(List.of(new Generator.Phase(rate, Scenarios.count(rate, secs))));
            run.sleepUntil(Math.min(3, secs / 3));
            PlannedRequest big = oversized(run.factory().nextBad(BadKind.INVALID_SCHEMA));
            SentRequest sent = run.generator().send(big, System.currentTimeMillis());
            run.event("sent oversized request " + big.requestId() + " (" + big.value().length + " bytes)");
            CheckResult c = run.finish(r, Scenarios.settle(ctx));
            Scenarios.common(r, r.stats(), rate);

            Map<String, Double> failures = w.series("step1x_publish_failures_total");
            ConsumerRecord<byte[], byte[]> letter = deadLetterOf(run, big.requestId(), Duration.ofSeconds(30));
            long committed = committedOffset(run, sent.partition());
            r.benchmark("oversizedBytes", big.value().length);
            r.benchmark("publishFailures", failures);
            r.criterion("the oversized record reached the broker", sent.acked(), sent.acked()
                    ? "partition " + sent.partition() + " offset " + sent.offset() : "not acked: " + sent.sendError());
            r.criterion("answered", c.unanswered() == 0 && run.collector().answered(big.requestId()),
                    big.requestId() + (run.collector().answered(big.requestId()) ? " answered" : " NOT answered"));
            r.criterion("the partition's commits moved past it", sent.acked() && committed > sent.offset(),
                    "partition " + sent.partition() + ": committed " + committed + ", oversized record at "
                            + sent.offset());
            r.criterion("its dead letter arrived truncated", truncatedCorrectly(letter, big.value()),
                    describe(letter, big.value()));
            double replaced = failures.entrySet().stream().filter(e -> e.getKey().contains("outcome=\"replaced\"")
                    && e.getKey().contains("RecordTooLargeException")).mapToDouble(Map.Entry::getValue).sum();
            r.criterion("counted as a terminal failure replaced", replaced >= 1, failures.toString());
            r.note("oversized request " + big.requestId() + ": " + describe(letter, big.value()) + "; partition "
                    + sent.partition() + " committed up to " + committed);
        }
    }

    /**
     * The results topic unwritable for 20 s under load. The worker's results producer alone is bootstrapped through a
     * TCP relay in front of a second broker listener (advertised at the relay), and the relay cuts its connections
     * and refuses new ones for 20 s: results cannot be written while requests, dead letters and commits flow. (Raising
     * the topic's min.insync.replicas above its replication factor does nothing on this one-broker cluster: the broker
     * caps the effective minimum at the number of replicas.) The results producer's delivery.timeout.ms (5 s) and
     * max.block.ms (3 s) are lowered so that failed sends reach the worker's own retry: with the defaults (120 s,
     * 60 s) the Kafka client would ride out a 20 s outage inside one send, and the worker would see no failure.
     * Passes when nothing is lost, duplicated or unanswered, publish retries were seen and throughput comes back;
     * reports the retries by reason and how long after the fault the backlog was answered.
     */
    static void resultsUnavailable(ScenarioContext ctx, ScenarioResult r) throws Exception {
        Profile p = Scenarios.profile(ctx).withBadShare(0);
        try (LoadRun run = Scenarios.open(ctx, r, "resultsdown", p, 4)) {
            // bootstrap.servers cannot be set per binding: the results binding gets a binder of its own
            String results = "spring.cloud.stream.kafka.bindings.results-out-0.producer.configuration.";
            String binders = "spring.cloud.stream.binders.";
            String brokers = ".environment.spring.cloud.stream.kafka.binder.brokers=";
            WorkerProcess w = run.startWorker("w1", false, "worker.publish.retry-backoff-max=2s",
                    binders + "direct.type=kafka", binders + "direct" + brokers + run.cluster().broker().bootstrap(),
                    binders + "relayed.type=kafka",
                    binders + "relayed" + brokers + run.cluster().broker().relayedBootstrap(),
                    "spring.cloud.stream.default-binder=direct",
                    "spring.cloud.stream.bindings.results-out-0.binder=relayed",
                    results + "request.timeout.ms=2000", results + "delivery.timeout.ms=5000",
                    results + "max.block.ms=3000", results + "linger.ms=5");
            double rate = Scenarios.rate(run, ctx, 0.5);
            double faultAt = ctx.settings().seconds(8, 5);
            double outage = 20;
            double faultEnd = faultAt + outage;
            double secs = faultEnd + ctx.settings().seconds(20, 16);
            run.markLoadStart();
            run.generator().startOpenLoop(List.of(new Generator.Phase(rate, Scenarios.count(rate, secs))));
            run.sleepUntil(faultAt);
            run.cluster().broker().relay().block();
            run.event("results producer cut off from the broker: results topic unwritable");
            run.sleepUntil(faultEnd);
            Map<String, Double> retriesDuring = w.series("step1x_publish_retries_total");
            run.cluster().broker().relay().pass();
            run.event("results producer reconnects: results topic writable");
            CheckResult c = run.finish(r, Scenarios.settle(ctx));
            RunStats s = r.stats();
            Scenarios.common(r, s, rate);
            Map<String, Double> retries = w.series("step1x_publish_retries_total");
            Map<String, Double> failures = w.series("step1x_publish_failures_total");
            double total = retries.values().stream().mapToDouble(Double::doubleValue).sum();
            r.benchmark("publishRetries", retries);
            r.benchmark("publishRetriesDuringFault", retriesDuring);
            r.benchmark("publishFailures", failures);
            r.benchmark("relayConnectionsRefused", run.cluster().broker().relay().refused());
            r.criterion("nothing lost, duplicated or unanswered", c.lost() == 0 && c.duplicated() == 0
                    && c.unanswered() == 0, "lost=" + c.lost() + " duplicated=" + c.duplicated() + " unanswered="
                            + c.unanswered());
            r.criterion("the fault was seen (publish retries)", total > 0, String.format(Locale.ROOT,
                    "%.0f retries: %s", total, retries));
            r.criterion("no terminal publish failure", failures.isEmpty(), failures.isEmpty() ? "none" : failures.toString());
            run.recoveryCriterion(r, s, Math.min(2, faultAt / 3), faultAt, faultEnd, secs - Scenarios.post(ctx), secs,
                    0.75);
            r.note(String.format(Locale.ROOT, "results topic unwritable for %.0f s: %.0f publish retries (%s); backlog "
                    + "answered %s s after the topic was writable again; %d identical re-publications",
                    outage, total, retries, r.benchmarks().get("recoverySeconds"), c.redelivered()));
        }
    }

    /** The planned request with a large extra field: still a schema violation, now ~{@link #OVERSIZED_BYTES}. */
    static PlannedRequest oversized(PlannedRequest invalid) {
        String json = new String(invalid.value(), StandardCharsets.UTF_8);
        if (!json.startsWith("{")) {
            throw new IllegalStateException("expected a JSON object request, got " + json.substring(0, 20));
        }
        String padding = "\"padding\":\"" + "x".repeat(OVERSIZED_BYTES - json.length() - 14) + "\",";
        byte[] value = ("{" + padding + json.substring(1)).getBytes(StandardCharsets.UTF_8);
        return new PlannedRequest(invalid.requestId(), value, invalid.headers(), invalid.expectation(), invalid.task(),
                invalid.language(), invalid.sizeLevel(), invalid.aspect(), invalid.steps(), invalid.bad());
    }

    private static boolean truncatedCorrectly(ConsumerRecord<byte[], byte[]> letter, byte[] original) {
        if (letter == null) {
            return false;
        }
        byte[] v = letter.value();
        return "true".equals(header(letter, Headers.DLQ_TRUNCATED))
                && Integer.toString(original.length).equals(header(letter, Headers.DLQ_ORIGINAL_SIZE))
                && sha256(original).equals(header(letter, Headers.DLQ_ORIGINAL_SHA256))
                && v.length > 0 && v.length < original.length
                && Arrays.equals(v, 0, v.length, original, 0, v.length)
                && header(letter, Headers.DLQ_REASON) != null;
    }

    private static String describe(ConsumerRecord<byte[], byte[]> letter, byte[] original) {
        if (letter == null) {
            return "no dead letter found";
        }
        return String.format(Locale.ROOT, "dead letter of %d bytes (original %d), truncated=%s, original-size=%s, "
                + "sha256 %s, reason '%s'", letter.value().length, original.length,
                header(letter, Headers.DLQ_TRUNCATED), header(letter, Headers.DLQ_ORIGINAL_SIZE),
                sha256(original).equals(header(letter, Headers.DLQ_ORIGINAL_SHA256)) ? "matches" : "DIFFERS",
                abbreviate(header(letter, Headers.DLQ_REASON)));
    }

    private static String abbreviate(String s) {
        return s == null ? "none" : s.length() <= 120 ? s : s.substring(0, 117) + "...";
    }

    /** The dead letter carrying {@code requestId} (read from the start of the run's dead-letter topic), or null. */
    private static ConsumerRecord<byte[], byte[]> deadLetterOf(LoadRun run, String requestId, Duration timeout) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, run.cluster().broker().bootstrap());
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p)) {
            TopicPartition tp = new TopicPartition(run.topics().dlq(), 0);
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            long deadline = System.nanoTime() + timeout.toNanos();
            while (System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> rec : consumer.poll(Duration.ofMillis(500))) {
                    if (requestId.equals(header(rec, Headers.REQUEST_ID))) {
                        return rec;
                    }
                }
            }
        }
        return null;
    }

    private static long committedOffset(LoadRun run, int partition) throws Exception {
        try (Admin admin = run.cluster().broker().admin()) {
            OffsetAndMetadata o = admin.listConsumerGroupOffsets(run.topics().group()).partitionsToOffsetAndMetadata()
                    .get().get(new TopicPartition(run.topics().requests(), partition));
            return o == null ? -1 : o.offset();
        }
    }

    private static void setTopicConfig(LoadRun run, String topic, String name, String value) throws Exception {
        alterTopicConfig(run, topic, new AlterConfigOp(new ConfigEntry(name, value), AlterConfigOp.OpType.SET));
    }

    private static void alterTopicConfig(LoadRun run, String topic, AlterConfigOp op) throws Exception {
        try (Admin admin = run.cluster().broker().admin()) {
            admin.incrementalAlterConfigs(Map.of(new ConfigResource(ConfigResource.Type.TOPIC, topic), List.of(op)))
                    .all().get();
        }
    }

    private static String header(ConsumerRecord<?, ?> rec, String name) {
        Header h = rec.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
