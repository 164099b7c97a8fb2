package dev.step1x.worker.local;

import dev.step1x.contracts.ContractValidator;
import dev.step1x.contracts.EditResult;
import dev.step1x.contracts.ParseResult;
import dev.step1x.contracts.Topics;
import dev.step1x.worker.WorkerApplication;
import dev.step1x.worker.support.Images;
import dev.step1x.worker.support.LocalS3Proxy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;

/**
 * {@code bin/step1x-worker local [--model DIR] [--requests N]}: the whole system on one laptop, no Docker.
 * Starts a KRaft broker from the Kafka jars, S3Proxy in a child JVM and the worker (on the model directory
 * when given or when the demo model exists, else the simulated engine, clearly labelled), uploads the
 * sample images, submits English and Chinese edits over two resolutions, waits for the results and prints
 * a table.
 */
public final class LocalRun {

    private LocalRun() {}

    public static void main(String[] args) throws Exception {
        String modelDir = System.getenv("STEP1X_MODEL_DIR");
        int perImage = 4;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--model" -> modelDir = args[++i];
                case "--simulated" -> { }
                case "--requests" -> perImage = Integer.parseInt(args[++i]);
                default -> {
                    System.err.println("usage: bin/step1x-worker local [--model DIR | --simulated] [--requests N-per-image]");
                    System.exit(2);
                }
            }
        }
        boolean simulated = false;
        for (String a : args) {
            simulated |= a.equals("--simulated");
        }
        if (modelDir == null && !simulated) {
            // Embedded default: the demo model (tiny, random weights), written once into the git-ignored .work/
            Path demo = Path.of(System.getProperty("step1x.repo", "."), ".work", "demo-model");
            if (!Files.isDirectory(demo.resolve("Qwen2.5-VL-7B-Instruct"))) {
                System.out.println("== writing the demo model to " + demo);
                dev.step1x.engine.pipeline.DemoModel.write(dev.step1x.engine.runtime.EngineRuntime.startDefault(), demo,
                        dev.step1x.engine.tokenizer.QwenTokenizer.defaultTestTokenizerPath());
            }
            modelDir = demo.toString();
            System.out.println("== the demo model has random weights: every stage runs, the output pictures are meaningless");
        }
        boolean model = modelDir != null;
        System.out.println(model ? "== engine: MODEL from " + modelDir
                : "== engine: SIMULATED (no model directory: outputs are colour-inverted inputs, not Step1X-Edit edits;"
                        + " drop --simulated to use the demo model, or pass --model DIR)");

        long t0 = System.nanoTime();
        EmbeddedKafkaKraftBroker broker = new EmbeddedKafkaKraftBroker(1, 3);
        broker.afterPropertiesSet();
        broker.addTopics(new NewTopic(Topics.REQUESTS, 3, (short) 1), new NewTopic(Topics.RESULTS, 3, (short) 1),
                new NewTopic(Topics.REQUESTS_DLQ, 1, (short) 1), new NewTopic(Topics.METRICS, 1, (short) 1));
        System.out.printf("== Kafka (KRaft, in this JVM) on %s%n", broker.getBrokersAsString());
        LocalS3Proxy s3proxy = LocalS3Proxy.start();
        System.out.printf("== S3Proxy (child JVM) on %s%n", s3proxy.endpoint());
        ConfigurableApplicationContext worker = null;
        int exit = 0;
        try (S3Client s3 = s3proxy.client()) {
            s3.createBucket(b -> b.bucket("inputs"));
            s3.createBucket(b -> b.bucket("outputs"));
            Map<String, String> samples = new LinkedHashMap<>();
            samples.put("samples/landscape.png", Images.LANDSCAPE_PNG);
            samples.put("samples/portrait.jpg", Images.PORTRAIT_JPEG);
            samples.put("samples/square.png", Images.SQUARE_PNG);
            samples.forEach((key, res) -> s3.putObject(PutObjectRequest.builder().bucket("inputs").key(key).build(),
                    RequestBody.fromBytes(Images.sample(res))));

            List<String> props = new ArrayList<>(List.of(
                    "--spring.cloud.stream.kafka.binder.brokers=" + broker.getBrokersAsString(),
                    "--server.port=0",
                    "--worker.id=local-worker",
                    "--worker.storage.allowed-input-buckets=inputs",
                    "--worker.storage.allowed-output-buckets=outputs",
                    "--worker.metrics.snapshot-interval=5s",
                    "--logging.level.org.apache.kafka=WARN",
                    "--logging.level.org.springframework.kafka=WARN",
                    "--logging.level.org.springframework.cloud.stream=WARN"));
            s3proxy.workerProperties().forEach(p -> props.add("--" + p));
            if (model) {
                props.add("--worker.engine.mode=model");
                props.add("--worker.engine.model-dir=" + modelDir);
                props.add("--worker.kafka.worst-batch-time=10m");
            }
            worker = new SpringApplicationBuilder(WorkerApplication.class).run(props.toArray(String[]::new));

            String[][] edits = {
                {"Make the sky a warm sunset orange", "en"},
                {"把房子涂成蓝色，保持背景不变", "zh"},
                {"Add snow on the roof", "en"},
                {"让画面看起来像水彩画", "zh"}};
            Map<String, String> sent = new LinkedHashMap<>();
            Properties pp = new Properties();
            pp.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.getBrokersAsString());
            pp.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
            pp.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
            try (KafkaConsumer<byte[], byte[]> results = consumer(broker.getBrokersAsString());
                    KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(pp)) {
                int n = 0;
                for (String key : List.of("samples/landscape.png", "samples/portrait.jpg")) {
                    for (int i = 0; i < perImage; i++) {
                        String[] e = edits[i % edits.length];
                        String id = "local-" + (n++) + "-" + e[1];
                        String json = """
                                {"schemaVersion":1,"requestId":"%s","input":{"bucket":"inputs","key":"%s"},
                                 "instruction":"%s","params":{"sizeLevel":512,"steps":%d},
                                 "output":{"bucket":"outputs","keyPrefix":"local/"}}
                                """.formatted(id, key, e[0], model ? 4 : 28);
                        producer.send(new ProducerRecord<>(Topics.REQUESTS, id.getBytes(StandardCharsets.UTF_8),
                                json.getBytes(StandardCharsets.UTF_8))).get();
                        sent.put(id, e[0]);
                    }
                }
                System.out.printf("== submitted %d requests (English and Chinese, two resolutions); waiting%n", sent.size());
                Map<String, EditResult> got = new LinkedHashMap<>();
                long deadline = System.nanoTime() + Duration.ofMinutes(model ? 30 : 2).toNanos();
                while (got.size() < sent.size() && System.nanoTime() < deadline) {
                    for (ConsumerRecord<byte[], byte[]> r : results.poll(Duration.ofMillis(200))) {
                        ParseResult<EditResult> p = ContractValidator.shared().parseResult(r.value());
                        if (p.valid() && sent.containsKey(p.orElseThrow().requestId())) {
                            got.putIfAbsent(p.orElseThrow().requestId(), p.orElseThrow());
                        }
                    }
                }
                printTable(sent, got);
                double seconds = (System.nanoTime() - t0) / 1e9;
                System.out.printf("== %d of %d results in %.1f s (including start-up)%s%n", got.size(), sent.size(),
                        seconds, model ? "" : "  [SIMULATED engine]");
                if (got.size() < sent.size() || got.values().stream().anyMatch(r -> !r.isSucceeded())) {
                    exit = 1;
                }
            }
        } finally {
            if (worker != null) {
                worker.close();
            }
            s3proxy.close();
            broker.destroy();
        }
        System.exit(exit);
    }

    private static KafkaConsumer<byte[], byte[]> consumer(String brokers) {
        Properties cp = new Properties();
        cp.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, brokers);
        cp.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        cp.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(cp);
        List<TopicPartition> parts = c.partitionsFor(Topics.RESULTS).stream()
                .map(p -> new TopicPartition(Topics.RESULTS, p.partition())).toList();
        c.assign(parts);
        c.seekToBeginning(parts);
        return c;
    }

    private static void printTable(Map<String, String> sent, Map<String, EditResult> got) {
        String fmt = "%-14s %-10s %-18s %4s %9s  %s%n";
        System.out.printf(fmt, "requestId", "status", "bucket", "rows", "ms", "output");
        for (String id : sent.keySet()) {
            EditResult r = got.get(id);
            if (r == null) {
                System.out.printf(fmt, id, "(none)", "", "", "", "");
                continue;
            }
            String where = r.isSucceeded() ? "s3://" + r.output().bucket() + "/" + r.output().key()
                    : r.error().code() + ": " + r.error().message();
            System.out.printf(fmt, id, r.status(), r.batch() == null ? "" : r.batch().bucketKey(),
                    r.batch() == null ? "" : Integer.toString(r.batch().rows()),
                    r.timings() == null || r.timings().total() == null ? "" : String.format("%.0f", r.timings().total()),
                    where);
        }
    }
}
