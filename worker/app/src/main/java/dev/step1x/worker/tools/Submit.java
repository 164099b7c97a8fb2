package dev.step1x.worker.tools;

import dev.step1x.contracts.ContractJson;
import dev.step1x.contracts.ContractValidator;
import dev.step1x.contracts.EditRequest;
import dev.step1x.contracts.EditResult;
import dev.step1x.contracts.Headers;
import dev.step1x.contracts.ParseResult;
import dev.step1x.contracts.Topics;
import dev.step1x.contracts.ValidationResult;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.Stack;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

/**
 * {@code bin/step1x-submit}: sends EditRequests to a Kafka cluster (plain, TLS, SASL PLAIN/SCRAM or MSK IAM),
 * keyed by requestId and validated against the contract first; the requests come from JSON files (one object,
 * or an array of objects, per file) or from options ({@code --instruction ...}). {@code --upload} puts the input
 * image into S3 first; {@code --wait} reads the results topic until every request is answered and prints a
 * table; {@code --download} fetches the edited images. Exit status: 0 all sent (and, when waiting, all
 * SUCCEEDED), 1 a failure (a request not SUCCEEDED, no answer in time, Kafka or S3 errors), 2 a usage error.
 */
@Command(name = "step1x-submit", sortOptions = false, usageHelpAutoWidth = true,
        synopsisHeading = "Usage:%n",
        customSynopsis = {
            "  bin/step1x-submit [OPTIONS] FILE.json...",
            "  bin/step1x-submit [OPTIONS] [--upload FILE] --input s3://BUCKET/KEY",
            "                    --instruction TEXT --output-bucket BUCKET"},
        description = {
            "",
            "Sends EditRequests to Kafka, keyed by requestId: from JSON files (an object or an array of objects per "
                    + "file, validated against the contract first) or built from the request options. Optionally "
                    + "uploads the input image first, waits for the results and downloads the edited images.",
            ""},
        footer = {
            "",
            "Exit status: 0 all sent (with --wait: all SUCCEEDED); 1 a request FAILED, was REJECTED or EXPIRED, an "
                    + "answer did not come in time, or Kafka/S3 failed; 2 a usage error or an invalid request.",
            "Secrets can come from the environment instead of the command line: " + KafkaOptions.ENV_SASL_USERNAME
                    + ", " + KafkaOptions.ENV_SASL_PASSWORD + ", " + KafkaOptions.ENV_TRUSTSTORE_PASSWORD + ", "
                    + KafkaOptions.ENV_KEYSTORE_PASSWORD + ", " + KafkaOptions.ENV_KEY_PASSWORD + ", "
                    + S3Options.ENV_SECRET_KEY + "; AWS credentials from the default chain (AWS_PROFILE, "
                    + "AWS_ACCESS_KEY_ID, SSO, instance and pod roles).",
            "Examples: docs/submit.md"})
public final class Submit implements Callable<Integer> {

    static final String NAME = "step1x-submit";
    /** Waiting time of {@code --wait} without a value, and of {@code --download} without {@code --wait}. */
    static final long DEFAULT_WAIT_SECONDS = 600;

    @Spec
    CommandSpec spec;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "show this help and exit")
    boolean help;

    @Parameters(paramLabel = "FILE.json", arity = "0..*", description = "request files")
    List<Path> files = new ArrayList<>();

    @Option(names = "--upload", paramLabel = "FILE", order = 1,
            description = "put FILE into S3 first, at --input (or at the input bucket/key of the request files)")
    Path upload;

    @Option(names = "--wait", paramLabel = "SECONDS", arity = "0..1", parameterConsumer = OptionalNumber.class,
            order = 2, description = "then read --results-topic until every request is answered or SECONDS pass "
                    + "(default " + DEFAULT_WAIT_SECONDS + "), and print a table of the results")
    Long waitSeconds;

    @Option(names = "--download", paramLabel = "DIR", order = 3,
            description = "download every SUCCEEDED output into DIR (implies --wait)")
    Path download;

    @Option(names = "--no-validate", order = 4, description = "send requests that do not validate against the contract")
    boolean noValidate;

    @Option(names = "--dry-run", order = 5,
            description = "print the requests (and the upload) that would be sent, contact nothing")
    boolean dryRun;

    @ArgGroup(validate = false, heading = "%nRequest options (instead of FILE.json):%n", order = 10)
    RequestOptions request = new RequestOptions();

    @ArgGroup(validate = false, heading = "%nKafka:%n", order = 20)
    KafkaOptions kafka = new KafkaOptions();

    @ArgGroup(validate = false, heading = "%nKafka topics:%n", order = 25)
    TopicOptions topics = new TopicOptions();

    @ArgGroup(validate = false, heading = "%nS3 and AWS:%n", order = 30)
    S3Options s3 = new S3Options();

    /**
     * {@code --wait [SECONDS]}: takes the next argument only when it is a number, so that
     * {@code --wait request.json} waits the default time for the file's request.
     */
    static final class OptionalNumber implements CommandLine.IParameterConsumer {
        @Override
        public void consumeParameters(Stack<String> args, CommandLine.Model.ArgSpec argSpec, CommandSpec commandSpec) {
            String value = String.valueOf(DEFAULT_WAIT_SECONDS);
            if (!args.isEmpty() && args.peek().matches("-?\\d+")) {
                value = args.pop();
            }
            try {
                argSpec.setValue(Long.parseLong(value));
            } catch (NumberFormatException e) {
                throw new ParameterException(commandSpec.commandLine(), "--wait: '" + value + "' is not a number");
            }
        }
    }

    /** Topic names (defaults: the contract's). */
    static final class TopicOptions {
        @Option(names = "--topic", paramLabel = "TOPIC", description = "request topic (default " + Topics.REQUESTS + ")")
        String requests = Topics.REQUESTS;

        @Option(names = "--results-topic", paramLabel = "TOPIC",
                description = "result topic read by --wait (default " + Topics.RESULTS + ")")
        String results = Topics.RESULTS;
    }

    private final Map<String, String> env;
    private PrintWriter out;
    private PrintWriter err;

    Submit(Map<String, String> env) {
        this.env = env;
    }

    public static void main(String[] args) {
        if (System.getProperty("logback.configurationFile") == null) {
            // before any logger exists: the clients' warnings only, on stderr
            System.setProperty("logback.configurationFile", "dev/step1x/worker/tools/cli-logback.xml");
        }
        System.exit(run(args, System.out, System.err, System.getenv()));
    }

    /** Runs the command line with the given streams and environment; returns the exit status. */
    public static int run(String[] args, PrintStream out, PrintStream err, Map<String, String> env) {
        PrintWriter o = new PrintWriter(out, true, StandardCharsets.UTF_8);
        PrintWriter e = new PrintWriter(err, true, StandardCharsets.UTF_8);
        try {
            for (String a : args) {
                if (a.startsWith("--wait=") && !a.substring(7).matches("-?\\d+")) {
                    // --wait=X with X not a number (a bare --wait leaves a following non-number alone)
                    e.println(NAME + ": Invalid value for option '--wait': '" + a.substring(7) + "' is not a number "
                            + "of seconds");
                    e.println("Run 'bin/" + NAME + " --help' for the options.");
                    return Cli.USAGE;
                }
            }
            return Cli.command(new Submit(env), NAME).setOut(o).setErr(e).execute(args);
        } finally {
            o.flush();
            e.flush();
        }
    }

    /** What was sent: requestId, its JSON, and the send time (nanoTime) once acknowledged. */
    private record Sent(String id, byte[] json, long[] ackNanos) {}

    @Override
    public Integer call() throws Exception {
        out = spec.commandLine().getOut();
        err = spec.commandLine().getErr();
        List<Sent> requests;
        S3Target uploadTarget;
        Properties kafkaProps;
        try {
            if (waitSeconds != null && waitSeconds <= 0) {
                throw new IllegalArgumentException("--wait needs a number of seconds above 0");
            }
            if (upload != null && !Files.isRegularFile(upload)) {
                throw new IllegalArgumentException("--upload " + upload + ": no such file");
            }
            kafkaProps = kafka.clientProperties(env, s3.awsProfile);
            s3.check(env);
            requests = files.isEmpty() ? List.of(built()) : fromFiles();
            uploadTarget = upload == null ? null : uploadTarget(requests);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage(), e);
        }
        if (dryRun) {
            if (uploadTarget != null) {
                out.printf("would upload %s to %s%n", upload, uploadTarget);
            }
            for (Sent s : requests) {
                out.println(new String(s.json(), StandardCharsets.UTF_8));
            }
            return 0;
        }
        long wait = waitSeconds != null ? waitSeconds : download != null ? DEFAULT_WAIT_SECONDS : 0;
        S3Client client;
        try {
            client = uploadTarget != null || download != null ? s3.client(env, s3.awsProfile) : null;
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage(), e);
        }
        try {
            if (uploadTarget != null) {
                put(client, uploadTarget);
            }
            Map<String, Sent> byId = new LinkedHashMap<>();
            requests.forEach(r -> byId.put(r.id(), r));
            try (KafkaConsumer<byte[], byte[]> consumer = wait > 0 ? resultsConsumer(kafkaProps) : null) {
                send(kafkaProps, requests);
                if (consumer == null) {
                    return 0;
                }
                Map<String, Answer> answers = await(consumer, byId, wait);
                int rc = printTable(byId, answers, wait);
                if (download != null && downloadAll(client, answers) != 0) {
                    rc = 1;
                }
                return rc;
            }
        } finally {
            if (client != null) {
                client.close();
            }
        }
    }

    // ---------------------------------------------------------------- requests

    private Sent built() {
        if (!request.anyGiven()) {
            throw new IllegalArgumentException("nothing to send: give FILE.json... or --instruction with --input and "
                    + "--output-bucket");
        }
        EditRequest r = request.build(upload == null ? null : upload.getFileName().toString());
        byte[] json = ContractJson.toBytes(r);
        checkValid(json, "the request");
        return new Sent(r.requestId(), json, new long[1]);
    }

    private List<Sent> fromFiles() {
        if (request.anyGiven()) {
            throw new IllegalArgumentException("the request options (--instruction, --input, ...) build a request; "
                    + "they cannot be combined with FILE.json");
        }
        List<Sent> out = new ArrayList<>();
        Set<String> ids = new LinkedHashSet<>();
        for (Path f : files) {
            List<byte[]> values;
            try {
                values = read(f);
            } catch (NoSuchFileException e) {
                throw new IllegalArgumentException(f + ": no such file");
            } catch (IOException e) {
                throw new IllegalArgumentException("cannot read " + f + ": " + e);
            } catch (JacksonException e) {
                if (!noValidate) {
                    throw new IllegalArgumentException(f + " is not JSON: " + e.getOriginalMessage());
                }
                values = List.of(readBytes(f));
            }
            int i = 0;
            for (byte[] value : values) {
                String where = values.size() == 1 ? f.toString() : f + " [" + i + "]";
                ValidationResult v = checkValid(value, where);
                String id = v.requestId().orElse("no-id-" + out.size());
                if (!ids.add(id)) {
                    err.printf("%s: requestId %s appears twice; it is sent twice and answered as one request%n",
                            where, id);
                }
                out.add(new Sent(id, value, new long[1]));
                i++;
            }
        }
        return out;
    }

    private ValidationResult checkValid(byte[] json, String where) {
        ValidationResult v = ContractValidator.shared().parseRequest(json).validation();
        if (!noValidate && !v.valid()) {
            StringBuilder b = new StringBuilder(where).append(" is not a valid EditRequest (--no-validate sends it "
                    + "anyway):");
            v.violations().forEach(x -> b.append("\n  ").append(x.message()));
            throw new IllegalArgumentException(b.toString());
        }
        return v;
    }

    /** The JSON values of a request file: one per array element, or the whole file. */
    static List<byte[]> read(Path f) throws IOException {
        byte[] bytes = Files.readAllBytes(f);
        JsonNode node = ContractJson.mapper().readTree(bytes);
        List<byte[]> out = new ArrayList<>();
        if (node != null && node.isArray()) {
            for (JsonNode n : node) {
                out.add(ContractJson.mapper().writeValueAsBytes(n));
            }
        } else {
            out.add(bytes);
        }
        return out;
    }

    private static byte[] readBytes(Path f) {
        try {
            return Files.readAllBytes(f);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + f + ": " + e.getMessage());
        }
    }

    // ---------------------------------------------------------------- upload

    /** Where {@code --upload} puts the file. */
    record S3Target(String bucket, String key) {
        @Override
        public String toString() {
            return "s3://" + bucket + "/" + key;
        }
    }

    private S3Target uploadTarget(List<Sent> requests) {
        Set<S3Target> inputs = new LinkedHashSet<>();
        for (Sent s : requests) {
            ParseResult<EditRequest> p = ContractValidator.shared().parseRequest(s.json());
            if (p.valid() && p.orElseThrow().input() != null) {
                inputs.add(new S3Target(p.orElseThrow().input().bucket(), p.orElseThrow().input().key()));
            }
        }
        if (inputs.size() != 1) {
            throw new IllegalArgumentException(inputs.isEmpty()
                    ? "--upload needs a request with an input (--input s3://BUCKET/KEY, or \"input\" in FILE.json)"
                    : "--upload: the requests name " + inputs.size() + " different inputs " + inputs
                            + "; upload one image per run");
        }
        return inputs.iterator().next();
    }

    private void put(S3Client client, S3Target target) throws IOException {
        byte[] bytes = Files.readAllBytes(upload);
        client.putObject(PutObjectRequest.builder().bucket(target.bucket()).key(target.key())
                .contentType(contentType(bytes)).contentLength((long) bytes.length).build(), RequestBody.fromBytes(bytes));
        out.printf("uploaded %s to %s (%d bytes)%n", upload, target, bytes.length);
    }

    /** The media type from the leading bytes: PNG, JPEG, WebP, else application/octet-stream. */
    static String contentType(byte[] b) {
        if (b.length >= 8 && (b[0] & 0xff) == 0x89 && b[1] == 'P' && b[2] == 'N' && b[3] == 'G') {
            return "image/png";
        }
        if (b.length >= 3 && (b[0] & 0xff) == 0xff && (b[1] & 0xff) == 0xd8 && (b[2] & 0xff) == 0xff) {
            return "image/jpeg";
        }
        if (b.length >= 12 && b[0] == 'R' && b[1] == 'I' && b[2] == 'F' && b[3] == 'F' && b[8] == 'W' && b[9] == 'E'
                && b[10] == 'B' && b[11] == 'P') {
            return "image/webp";
        }
        return "application/octet-stream";
    }

    // ---------------------------------------------------------------- Kafka

    private void send(Properties common, List<Sent> requests) throws InterruptedException {
        Properties pp = new Properties();
        pp.putAll(common);
        pp.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, NAME);
        pp.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        pp.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        pp.putIfAbsent(ProducerConfig.ACKS_CONFIG, "all");
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(pp)) {
            for (Sent s : requests) {
                ProducerRecord<byte[], byte[]> r = new ProducerRecord<>(topics.requests, utf8(s.id()), s.json());
                r.headers().add(Headers.REQUEST_ID, utf8(s.id()))
                        .add(Headers.SCHEMA_VERSION, utf8("1"))
                        .add(Headers.CONTENT_TYPE, utf8(Headers.JSON_CONTENT_TYPE));
                RecordMetadata md;
                try {
                    md = producer.send(r).get();
                } catch (org.apache.kafka.common.errors.TimeoutException e) {
                    throw new IllegalStateException("sending " + s.id() + " to " + topics.requests + " failed: "
                            + e.getMessage() + " (is --bootstrap reachable with these security settings, and does the "
                            + "topic exist?)", e);
                } catch (ExecutionException e) {
                    throw new IllegalStateException("sending " + s.id() + " to " + topics.requests + " failed: "
                            + e.getCause().getClass().getSimpleName() + ": " + e.getCause().getMessage(), e.getCause());
                }
                s.ackNanos()[0] = System.nanoTime();
                out.printf("sent %s to %s-%d@%d%n", s.id(), md.topic(), md.partition(), md.offset());
            }
        }
    }

    /** A consumer on every partition of the results topic, positioned at the end (before anything is sent). */
    private KafkaConsumer<byte[], byte[]> resultsConsumer(Properties common) {
        Properties cp = new Properties();
        cp.putAll(common);
        cp.putIfAbsent(ConsumerConfig.CLIENT_ID_CONFIG, NAME + "-results");
        cp.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        cp.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        cp.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false); // no group: nothing to commit, no group ACL needed
        cp.putIfAbsent(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false); // a mistyped name is an error
        KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(cp);
        try {
            List<PartitionInfo> infos = c.partitionsFor(topics.results);
            if (infos == null || infos.isEmpty()) {
                throw new IllegalStateException("results topic " + topics.results + " does not exist (--results-topic)");
            }
            List<TopicPartition> parts = infos.stream().map(p -> new TopicPartition(topics.results, p.partition()))
                    .toList();
            c.assign(parts);
            c.seekToEnd(parts);
            parts.forEach(c::position); // resolve the end now, before sending
            return c;
        } catch (RuntimeException e) {
            c.close();
            throw e;
        }
    }

    /** A result and when it arrived (nanoTime). */
    private record Answer(EditResult result, long atNanos) {}

    private Map<String, Answer> await(KafkaConsumer<byte[], byte[]> consumer, Map<String, Sent> sent, long seconds) {
        Map<String, Answer> answers = new LinkedHashMap<>();
        long deadline = System.nanoTime() + Duration.ofSeconds(seconds).toNanos();
        while (answers.size() < sent.size() && System.nanoTime() < deadline) {
            for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(250))) {
                ParseResult<EditResult> p = ContractValidator.shared().parseResult(r.value());
                if (!p.valid()) {
                    continue; // somebody else's record, or not a result of this contract
                }
                EditResult res = p.orElseThrow();
                if (sent.containsKey(res.requestId()) && !answers.containsKey(res.requestId())) {
                    answers.put(res.requestId(), new Answer(res, System.nanoTime()));
                }
            }
        }
        return answers;
    }

    private int printTable(Map<String, Sent> sent, Map<String, Answer> answers, long waited) {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"REQUEST ID", "STATUS", "ERROR", "OUTPUT", "LATENCY"});
        int failed = 0;
        List<String> messages = new ArrayList<>();
        for (Sent s : sent.values()) {
            Answer a = answers.get(s.id());
            if (a == null) {
                rows.add(new String[] {s.id(), "NO ANSWER", "-", "-", ">" + waited + " s"});
                failed++;
                continue;
            }
            EditResult r = a.result();
            String output = r.output() == null ? "-" : "s3://" + r.output().bucket() + "/" + r.output().key();
            String latency = String.format(Locale.ROOT, "%.1f s", (a.atNanos() - s.ackNanos()[0]) / 1e9);
            rows.add(new String[] {s.id(), r.status().name(), r.error() == null ? "-" : r.error().code().name(), output,
                latency});
            if (!r.isSucceeded()) {
                failed++;
                if (r.error() != null) {
                    messages.add(s.id() + ": " + r.error().code() + ": " + r.error().message());
                }
            }
        }
        int[] width = new int[rows.get(0).length];
        for (String[] row : rows) {
            for (int i = 0; i < row.length; i++) {
                width[i] = Math.max(width[i], row[i].length());
            }
        }
        for (String[] row : rows) {
            StringBuilder b = new StringBuilder();
            for (int i = 0; i < row.length; i++) {
                b.append(i == row.length - 1 ? row[i] : String.format("%-" + width[i] + "s  ", row[i]));
            }
            out.println(b.toString().stripTrailing());
        }
        messages.forEach(out::println);
        int answered = answers.size();
        out.printf("%d sent, %d answered, %d succeeded%n", sent.size(), answered, sent.size() - failed);
        return failed == 0 ? 0 : 1;
    }

    // ---------------------------------------------------------------- download

    private int downloadAll(S3Client client, Map<String, Answer> answers) throws IOException {
        Path dir = download.toAbsolutePath().normalize();
        Files.createDirectories(dir);
        int rc = 0;
        for (Answer a : answers.values()) {
            EditResult.OutputRef o = a.result().output();
            if (!a.result().isSucceeded() || o == null) {
                continue;
            }
            String name = o.key().substring(o.key().lastIndexOf('/') + 1);
            Path file = dir.resolve(name).normalize();
            if (name.isEmpty() || !file.getParent().equals(dir)) {
                err.printf("%s: not downloading %s: no usable file name%n", NAME, o.key());
                rc = 1;
                continue;
            }
            ResponseBytes<GetObjectResponse> obj = client.getObjectAsBytes(
                    GetObjectRequest.builder().bucket(o.bucket()).key(o.key()).build());
            byte[] bytes = obj.asByteArray();
            Files.write(file, bytes);
            String sha = sha256(bytes);
            if (o.sha256() != null && !o.sha256().equals(sha)) {
                err.printf("%s: %s: sha256 %s differs from the result's %s%n", NAME, file, sha, o.sha256());
                rc = 1;
            }
            out.printf("downloaded s3://%s/%s to %s (%d bytes)%n", o.bucket(), o.key(), file, bytes.length);
        }
        return rc;
    }

    static String sha256(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
