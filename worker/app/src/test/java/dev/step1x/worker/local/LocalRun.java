package dev.step1x.worker.local;

import dev.step1x.contracts.ContractValidator;
import dev.step1x.contracts.EditResult;
import dev.step1x.contracts.ParseResult;
import dev.step1x.contracts.Topics;
import dev.step1x.worker.WorkerApplication;
import dev.step1x.worker.config.EngineProperties;
import dev.step1x.worker.engine.EngineConfigurationException;
import dev.step1x.worker.engine.EngineFactory;
import dev.step1x.worker.lifecycle.InferenceLoop;
import dev.step1x.worker.support.Images;
import dev.step1x.worker.support.LocalS3Proxy;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
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
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;

/**
 * {@code bin/step1x-worker local}: the whole system on one machine, no Docker. Starts a KRaft broker in this
 * JVM, S3Proxy in a child JVM and the worker (Spring Boot, in this JVM) on the demo model, a model directory
 * or the simulated engine; uploads the sample images, submits English and Chinese edits over two
 * resolutions, waits for the results, copies every input and output out of S3 into {@code .work/local-run/}
 * and writes {@code index.html} there. The console gets a banner, one line per answered request and the
 * table; every log (worker, broker, Kafka clients, Spring's banner) goes to {@code .work/local-run/worker.log}.
 * Exit code 0 when every request succeeded, 1 otherwise, 2 for a usage error.
 */
@Command(name = "bin/step1x-worker local", sortOptions = false, usageHelpAutoWidth = true,
        description = {
            "Runs a KRaft broker, S3Proxy and the worker on this machine, submits sample edits (English and Chinese,"
                    + " two resolutions) and shows the results: a table here, the images and index.html in the"
                    + " output folder, all logs in its worker.log.",
            "Engine: --mode demo (default) runs the real pipeline on the demo model (tiny random weights, written to"
                    + " .work/demo-model on first use) or on --model DIR; --mode simulated runs the stand-in engine.",
            "Exit code: 0 all requests succeeded, 1 otherwise, 2 usage error."})
public final class LocalRun implements Callable<Integer> {

    /** Marks a folder this command made, so a later run may clear it. */
    static final String MARKER = ".step1x-local-run";
    static final int MAX_REQUESTS = 64;
    /** The LoRA adapters the demo model carries (bin/step1x-edit demo-model writes them to its loras/ folder). */
    static final List<String> DEMO_ADAPTERS = List.of("demo-style-a", "demo-style-b");
    /** The scale requests use them at. */
    static final String ADAPTER_SCALE = "0.8";

    /** The model version the sample requests ask for (the requests' default) and the worker serves. */
    static final String VERSION = "v1.1";

    @Spec
    CommandSpec spec;

    @Option(names = "--model", paramLabel = "DIR",
            description = "Step1X-Edit model directory (official layout) instead of the demo model.")
    Path model;

    @Option(names = "--qwen-dir", paramLabel = "DIR",
            description = "Qwen2.5-VL-7B-Instruct directory (or Hugging Face cache entry) when it is not inside --model.")
    Path qwenDir;

    /** {@code --mode}: the same names as bin/step1x-load's. */
    enum Mode { demo, simulated }

    @Option(names = "--mode", paramLabel = "demo|simulated", defaultValue = "demo",
            description = "demo: the real pipeline on the demo model or --model DIR (default); simulated: the "
                    + "stand-in engine (outputs are colour-inverted inputs, not edits).")
    Mode mode;

    @Option(names = "--requests", paramLabel = "N", defaultValue = "8",
            description = "Requests to submit, alternating between the two sample images (1 to " + MAX_REQUESTS
                    + ", default: ${DEFAULT-VALUE}).")
    int requests;

    @Option(names = "--out", paramLabel = "DIR",
            description = "Output folder, cleared at the start (default: .work/local-run in the clone).")
    Path out;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
    boolean help;

    private PrintStream console;
    private Path repo;

    public static void main(String[] args) {
        CommandLine cl = new CommandLine(new LocalRun());
        cl.setParameterExceptionHandler((ex, a) -> {
            PrintStream err = new PrintStream(new FileOutputStream(java.io.FileDescriptor.err), true, StandardCharsets.UTF_8);
            err.println("step1x-worker local: " + ex.getMessage());
            err.println("usage: bin/step1x-worker local [--mode demo|simulated] [--model DIR [--qwen-dir DIR]] [--requests N]"
                    + " [--out DIR]   (--help for details)");
            return CommandLine.ExitCode.USAGE;
        });
        System.exit(cl.execute(args));
    }

    @Override
    public Integer call() throws Exception {
        repo = Path.of(System.getProperty("step1x.repo", ".")).toAbsolutePath().normalize();
        validate();
        Path dir = (out != null ? out : repo.resolve(".work").resolve("local-run")).toAbsolutePath().normalize();
        prepare(dir);
        console = new PrintStream(new FileOutputStream(java.io.FileDescriptor.out), true, StandardCharsets.UTF_8);
        Path log = dir.resolve("worker.log");
        // Every log line of this JVM to worker.log: logback (before Spring, then Spring's re-initialisation from
        // the same file) and whatever is printed to System.out/err (Kafka's storage formatter, stray stack traces).
        System.setProperty("step1x.local.log", log.toString());
        System.setProperty("logback.configurationFile", LOGBACK);
        PrintStream logStream = new PrintStream(new FileOutputStream(log.toFile(), true), true, StandardCharsets.UTF_8);
        System.setOut(logStream);
        System.setErr(logStream);
        try {
            return run(dir, log);
        } catch (Exception | Error e) {
            console.println("== local run failed: " + e + " (details in " + show(log) + ")");
            e.printStackTrace(logStream);
            return 1;
        }
    }

    private boolean simulated() {
        return mode == Mode.simulated;
    }

    static final String LOGBACK = "dev/step1x/worker/local/logback-local-run.xml";

    private void validate() {
        if (mode == Mode.simulated && model != null) {
            throw new ParameterException(spec.commandLine(), "--mode simulated and --model exclude each other");
        }
        if (qwenDir != null && model == null) {
            throw new ParameterException(spec.commandLine(), "--qwen-dir goes with --model DIR");
        }
        if (model != null && !Files.isDirectory(model)) {
            throw new ParameterException(spec.commandLine(), "--model " + model + ": not a directory");
        }
        if (qwenDir != null && !Files.isDirectory(qwenDir)) {
            throw new ParameterException(spec.commandLine(), "--qwen-dir " + qwenDir + ": not a directory");
        }
        if (requests < 1 || requests > MAX_REQUESTS) {
            throw new ParameterException(spec.commandLine(), "--requests must be 1 to " + MAX_REQUESTS + ", got "
                    + requests);
        }
    }

    /** Creates the output folder, or clears one an earlier run made; refuses a folder with other content. */
    private void prepare(Path dir) throws IOException {
        if (Files.exists(dir)) {
            if (!Files.isDirectory(dir)) {
                throw new ParameterException(spec.commandLine(), "--out " + dir + ": not a directory");
            }
            boolean empty;
            try (Stream<Path> s = Files.list(dir)) {
                empty = s.findAny().isEmpty();
            }
            if (!empty && !Files.isRegularFile(dir.resolve(MARKER))) {
                throw new ParameterException(spec.commandLine(), dir + " exists and was not made by"
                        + " bin/step1x-worker local (no " + MARKER + "); not clearing it: choose another --out");
            }
            try (Stream<Path> s = Files.walk(dir)) {
                for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                    if (!p.equals(dir)) {
                        Files.delete(p);
                    }
                }
            }
        }
        Files.createDirectories(dir.resolve("inputs"));
        Files.createDirectories(dir.resolve("outputs"));
        Files.writeString(dir.resolve(MARKER), "made by bin/step1x-worker local; cleared at the start of each run\n");
    }

    private record Sent(String id, String instruction, String inputKey, int sizeLevel, int steps) {}

    private int run(Path dir, Path log) throws Exception {
        long t0 = System.nanoTime();
        Instant started = Instant.now();
        String engine;
        String modelDir = null;
        boolean demo = false;
        if (simulated()) {
            engine = "SIMULATED engine (no model: outputs are colour-inverted inputs, not Step1X-Edit edits)";
        } else if (model != null) {
            modelDir = model.toAbsolutePath().toString();
            engine = "model " + modelDir + (qwenDir == null ? "" : " with Qwen2.5-VL from " + qwenDir.toAbsolutePath());
        } else {
            demo = true;
            modelDir = repo.resolve(".work").resolve("demo-model").toString();
            engine = "demo model " + modelDir + " (random weights: every stage runs, the pictures are meaningless)";
        }
        console.println("== step1x-worker local: Kafka (KRaft) + S3Proxy + the worker on this machine");
        console.println("== engine: " + engine);
        console.println("== output: " + show(dir) + "  (logs: " + show(log) + ")");
        if (demo && !Files.isDirectory(Path.of(modelDir, "Qwen2.5-VL-7B-Instruct"))) {
            console.println("== writing the demo model (first use)");
            dev.step1x.engine.pipeline.DemoModel.write(dev.step1x.engine.runtime.EngineRuntime.startDefault(),
                    Path.of(modelDir), dev.step1x.engine.tokenizer.TestTokenizer.path());
        }
        if (!simulated()) {
            // the worker's own start-up check, before any server starts: a directory that does not open is
            // reported at once (an invalid --model value: exit 2; a broken demo model: exit 1)
            EngineProperties check = new EngineProperties();
            check.setModelDir(modelDir);
            check.setQwenDir(qwenDir == null ? null : qwenDir.toAbsolutePath().toString());
            check.setModelVersions(List.of(VERSION));
            try {
                EngineFactory.check(check.toSettings());
            } catch (EngineConfigurationException e) {
                console.println("== the model directory does not work: " + e.getMessage());
                console.println("== " + (demo ? "delete " + show(Path.of(modelDir)) + " to have it written again"
                        : e.action()));
                return demo ? 1 : CommandLine.ExitCode.USAGE;
            }
        }
        int steps = simulated() ? 28 : 4;
        int sizeLevel = 512;

        console.println("== starting Kafka, S3Proxy and the worker" + (simulated() ? "" : " (loading the model, warm-up)"));
        EmbeddedKafkaKraftBroker broker = new EmbeddedKafkaKraftBroker(1, 3);
        LocalS3Proxy s3proxy = null;
        ConfigurableApplicationContext worker = null;
        Thread cleanup = null;
        try {
            broker.afterPropertiesSet();
            broker.addTopics(new NewTopic(Topics.REQUESTS, 3, (short) 1), new NewTopic(Topics.RESULTS, 3, (short) 1),
                    new NewTopic(Topics.REQUESTS_DLQ, 1, (short) 1), new NewTopic(Topics.METRICS, 1, (short) 1));
            s3proxy = LocalS3Proxy.start();
            LocalS3Proxy s3p = s3proxy;
            cleanup = new Thread(s3p::close, "local-run-cleanup"); // Ctrl-C: do not leave the S3Proxy JVM behind
            Runtime.getRuntime().addShutdownHook(cleanup);
            try (S3Client s3 = s3proxy.client()) {
                s3.createBucket(b -> b.bucket("inputs"));
                s3.createBucket(b -> b.bucket("outputs"));
                Map<String, String> samples = new LinkedHashMap<>();
                samples.put("samples/landscape.png", Images.LANDSCAPE_PNG);
                samples.put("samples/portrait.jpg", Images.PORTRAIT_JPEG);
                samples.forEach((key, res) -> s3.putObject(PutObjectRequest.builder().bucket("inputs").key(key).build(),
                        RequestBody.fromBytes(Images.sample(res))));

                List<String> props = new ArrayList<>(List.of(
                        "--spring.cloud.stream.kafka.binder.brokers=" + broker.getBrokersAsString(),
                        "--server.port=0",
                        "--worker.id=local-worker",
                        "--worker.storage.allowed-input-buckets=inputs",
                        "--worker.storage.allowed-output-buckets=outputs",
                        "--worker.metrics.snapshot-interval=5s",
                        "--worker.engine.model-versions=" + VERSION,
                        "--logging.config=classpath:" + LOGBACK,
                        "--spring.main.banner-mode=log"));
                s3proxy.workerProperties().forEach(p -> props.add("--" + p));
                if (simulated()) {
                    props.add("--worker.engine.mode=simulated");
                } else {
                    props.add("--worker.engine.mode=model");
                    props.add("--worker.engine.model-dir=" + modelDir);
                    if (qwenDir != null) {
                        props.add("--worker.engine.qwen-dir=" + qwenDir.toAbsolutePath());
                    }
                    props.add("--worker.batching.batch-time-budget=10m");
                }
                // the demo model's two LoRA adapters, when it has them: some requests name one (docs/lora-fp8.md)
                List<String> adapters = new ArrayList<>();
                for (String name : DEMO_ADAPTERS) {
                    Path file = modelDir == null ? null : Path.of(modelDir, "loras", name + ".safetensors");
                    if (file != null && Files.isRegularFile(file)) {
                        props.add("--worker.lora.catalog." + name + "=" + file.toAbsolutePath());
                        adapters.add(name);
                    }
                }
                try {
                    worker = new SpringApplicationBuilder(WorkerApplication.class).main(WorkerApplication.class)
                            .run(props.toArray(String[]::new));
                } catch (RuntimeException e) {
                    return workerDidNotStart(e, log);
                }
                InferenceLoop loop = worker.getBean(InferenceLoop.class);
                while (!loop.isReady() && loop.failure() == null) {
                    Thread.sleep(100);
                }
                if (loop.failure() != null) {
                    return workerDidNotStart(loop.failure(), log);
                }
                console.printf("== worker ready after %.1f s; submitting %d request(s)%n", (System.nanoTime() - t0) / 1e9,
                        requests);

                String[][] edits = {
                    {"Make the sky a warm sunset orange", "en"},
                    {"把房子涂成蓝色，保持背景不变", "zh"},
                    {"Add snow on the roof", "en"},
                    {"让画面看起来像水彩画", "zh"}};
                List<String> inputs = List.of("samples/landscape.png", "samples/portrait.jpg");
                Map<String, Sent> sent = new LinkedHashMap<>();
                Map<String, EditResult> got = new LinkedHashMap<>();
                try (KafkaConsumer<byte[], byte[]> results = consumer(broker.getBrokersAsString());
                        KafkaProducer<byte[], byte[]> producer = producer(broker.getBrokersAsString())) {
                    for (int n = 0; n < requests; n++) {
                        String[] e = edits[(n / 2) % edits.length];
                        String key = inputs.get(n % 2);
                        String id = "local-" + n + "-" + e[1];
                        // pairs of requests (one per picture) without an adapter, with the first, with the second,
                        // ...: each picture's bucket gets rows with different adapters and none in one batch
                        int a = (n / 2) % (adapters.size() + 1);
                        String adapter = a == 0 ? "" : """
                                ,"adapter":{"name":"%s","scale":%s}""".formatted(adapters.get(a - 1), ADAPTER_SCALE);
                        String json = """
                                {"schemaVersion":1,"requestId":"%s","input":{"bucket":"inputs","key":"%s"},
                                 "instruction":"%s","params":{"sizeLevel":%d,"steps":%d%s},
                                 "output":{"bucket":"outputs","keyPrefix":"local/"}}
                                """.formatted(id, key, e[0], sizeLevel, steps, adapter);
                        producer.send(new ProducerRecord<>(Topics.REQUESTS, id.getBytes(StandardCharsets.UTF_8),
                                json.getBytes(StandardCharsets.UTF_8))).get();
                        String shown = a == 0 ? e[0] : e[0] + " [LoRA " + adapters.get(a - 1) + " × " + ADAPTER_SCALE + "]";
                        sent.put(id, new Sent(id, shown, key, sizeLevel, steps));
                    }
                    long deadline = System.nanoTime() + Duration.ofMinutes(simulated() ? 2 : 30).toNanos();
                    while (got.size() < sent.size() && System.nanoTime() < deadline) {
                        for (ConsumerRecord<byte[], byte[]> r : results.poll(Duration.ofMillis(200))) {
                            ParseResult<EditResult> p = ContractValidator.shared().parseResult(r.value());
                            if (!p.valid() || !sent.containsKey(p.orElseThrow().requestId())
                                    || got.containsKey(p.orElseThrow().requestId())) {
                                continue;
                            }
                            EditResult res = p.orElseThrow();
                            got.put(res.requestId(), res);
                            console.printf("   [%d/%d] %-14s %-9s%s%n", got.size(), sent.size(), res.requestId(),
                                    res.status(), res.timings() == null || res.timings().total() == null ? ""
                                            : String.format(" in %.1f s", res.timings().total() / 1000));
                        }
                    }
                }
                if (got.size() < sent.size()) {
                    console.printf("== %d request(s) unanswered after the deadline%n", sent.size() - got.size());
                }

                // copy every input and output out of S3, next to the page
                Map<String, Path> inputFiles = new LinkedHashMap<>();
                for (String key : inputs.subList(0, Math.min(inputs.size(), requests))) {
                    Path rel = Path.of("inputs", Path.of(key).getFileName().toString());
                    Files.write(dir.resolve(rel), s3.getObjectAsBytes(b -> b.bucket("inputs").key(key)).asByteArray());
                    inputFiles.put(key, rel);
                }
                List<LocalRunReport.Row> rows = new ArrayList<>();
                for (Sent s : sent.values()) {
                    EditResult r = got.get(s.id());
                    Path outRel = null;
                    if (r != null && r.isSucceeded()) {
                        outRel = Path.of("outputs", Path.of(r.output().key()).getFileName().toString());
                        Files.write(dir.resolve(outRel), s3.getObjectAsBytes(b -> b.bucket(r.output().bucket())
                                .key(r.output().key())).asByteArray());
                    }
                    rows.add(new LocalRunReport.Row(s.id(), s.instruction(), s.sizeLevel(), s.steps(), s.inputKey(),
                            inputFiles.get(s.inputKey()), r, outRel));
                }
                double seconds = (System.nanoTime() - t0) / 1e9;
                Path page = dir.resolve("index.html");
                Files.writeString(page, LocalRunReport.html(new LocalRunReport.Run(engine, simulated(), started, seconds,
                        rows)));
                printTable(rows, dir);
                long ok = got.values().stream().filter(EditResult::isSucceeded).count();
                console.printf("== %d of %d succeeded in %.1f s (including start-up)%s%n", ok, sent.size(), seconds,
                        simulated() ? "  [SIMULATED engine]" : "");
                console.println("== page: " + show(page));
                return ok == sent.size() ? 0 : 1;
            }
        } finally {
            if (worker != null) {
                worker.close();
            }
            if (s3proxy != null) {
                s3proxy.close();
            }
            if (cleanup != null) {
                try {
                    Runtime.getRuntime().removeShutdownHook(cleanup);
                } catch (IllegalStateException shuttingDown) {
                    // the hook runs anyway
                }
            }
            try {
                broker.destroy();
            } catch (RuntimeException e) {
                e.printStackTrace(); // to worker.log; the run's outcome stands
            }
        }
    }

    private int workerDidNotStart(Throwable e, Path log) {
        Throwable c = e;
        while (c != null && !(c instanceof EngineConfigurationException)) {
            c = c.getCause() == c ? null : c.getCause();
        }
        if (c instanceof EngineConfigurationException ece) {
            console.println("== the worker did not start: " + ece.getMessage());
            console.println("== " + ece.action());
        } else {
            Throwable root = e;
            while (root.getCause() != null && root.getCause() != root) {
                root = root.getCause();
            }
            console.println("== the worker did not start: " + root);
        }
        console.println("== details in " + show(log));
        return 1;
    }

    private void printTable(List<LocalRunReport.Row> rows, Path dir) {
        String fmt = "%-14s %-10s %5s %-18s %4s %9s  %-40s %s%n";
        console.printf(fmt, "requestId", "status", "size", "bucket", "rows", "total ms", "input", "output");
        for (LocalRunReport.Row row : rows) {
            EditResult r = row.result();
            String input = row.inputFile() == null ? "" : show(dir.resolve(row.inputFile()));
            if (r == null) {
                console.printf(fmt, row.requestId(), "(none)", row.sizeLevel(), "", "", "", input, "no result");
                continue;
            }
            String output = r.isSucceeded() ? show(dir.resolve(row.outputFile()))
                    : r.error().code() + ": " + cut(r.error().message(), 100);
            console.printf(fmt, row.requestId(), r.status(), row.sizeLevel(),
                    r.batch() == null ? "" : r.batch().bucketKey(),
                    r.batch() == null ? "" : Integer.toString(r.batch().rows()),
                    r.timings() == null || r.timings().total() == null ? "" : String.format("%.0f", r.timings().total()),
                    input, output);
        }
    }

    private static String cut(String s, int max) {
        String one = s.replace('\n', ' ');
        return one.length() <= max ? one : one.substring(0, max - 3) + "...";
    }

    /** A path as the user reads it: relative to the clone when inside it. */
    private String show(Path p) {
        Path a = p.toAbsolutePath().normalize();
        return a.startsWith(repo) ? repo.relativize(a).toString() : a.toString();
    }

    private static KafkaProducer<byte[], byte[]> producer(String brokers) {
        Properties pp = new Properties();
        pp.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, brokers);
        pp.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        pp.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        return new KafkaProducer<>(pp);
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
}
