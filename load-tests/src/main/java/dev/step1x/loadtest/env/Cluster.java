package dev.step1x.loadtest.env;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.admin.NewTopic;

/**
 * The servers a load run shares: a KRaft broker and S3Proxy, both child JVMs on loopback, and the input and
 * output buckets. Each scenario gets its own topics and consumer group ({@link #topics}), so scenarios do
 * not disturb each other's groups.
 */
public final class Cluster implements AutoCloseable {

    public static final String INPUTS = "lt-inputs";
    public static final String OUTPUTS = "lt-outputs";

    private final Path dir;
    private final KafkaBroker broker;
    private final S3Server s3;

    private Cluster(Path dir, KafkaBroker broker, S3Server s3) {
        this.dir = dir;
        this.broker = broker;
        this.s3 = s3;
    }

    /** Starts a fresh broker and S3Proxy under {@code dir} (earlier data there is removed). */
    public static Cluster start(Path dir) {
        try {
            Files.createDirectories(dir);
            deleteTree(dir.resolve("kafka"));
            deleteTree(dir.resolve("s3"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        KafkaBroker broker = null;
        S3Server s3 = null;
        try {
            broker = KafkaBroker.start(dir.resolve("kafka"));
            s3 = S3Server.start(dir.resolve("s3"));
            s3.client().createBucket(b -> b.bucket(INPUTS));
            s3.client().createBucket(b -> b.bucket(OUTPUTS));
            return new Cluster(dir, broker, s3);
        } catch (RuntimeException e) {
            if (s3 != null) {
                s3.close();
            }
            if (broker != null) {
                broker.close();
            }
            throw e;
        }
    }

    public Path dir() {
        return dir;
    }

    public KafkaBroker broker() {
        return broker;
    }

    public S3Server s3() {
        return s3;
    }

    /** The topics and group of one scenario. */
    public record Topics(String requests, String results, String dlq, String metrics, String group, int partitions) {}

    /** Creates {@code <prefix>.requests|results|dlq|metrics}; the workers' group is {@code <prefix>.workers}. */
    public Topics topics(String prefix, int partitions) {
        Topics t = new Topics(prefix + ".requests", prefix + ".results", prefix + ".dlq", prefix + ".metrics",
                prefix + ".workers", partitions);
        broker.createTopics(List.of(new NewTopic(t.requests(), partitions, (short) 1),
                new NewTopic(t.results(), partitions, (short) 1), new NewTopic(t.dlq(), 1, (short) 1),
                new NewTopic(t.metrics(), 1, (short) 1)));
        return t;
    }

    /**
     * Properties of a worker wired to this cluster and these topics. The session timeout is lowered to 6 s
     * (the broker's minimum) so that a SIGKILLed worker's partitions move within the scenario's bound.
     */
    public List<String> workerProperties(Topics t) {
        List<String> p = new ArrayList<>(List.of(
                "spring.cloud.stream.kafka.binder.brokers=" + broker.bootstrap(),
                "spring.cloud.stream.bindings.ingest-in-0.destination=" + t.requests(),
                "spring.cloud.stream.bindings.ingest-in-0.group=" + t.group(),
                "spring.cloud.stream.bindings.results-out-0.destination=" + t.results(),
                "spring.cloud.stream.bindings.dlq-out-0.destination=" + t.dlq(),
                "spring.cloud.stream.bindings.metrics-out-0.destination=" + t.metrics(),
                "spring.cloud.stream.kafka.binder.consumer-properties.session.timeout.ms=6000",
                "spring.cloud.stream.kafka.binder.consumer-properties.heartbeat.interval.ms=1000",
                "worker.storage.allowed-input-buckets=" + INPUTS,
                "worker.storage.allowed-output-buckets=" + OUTPUTS,
                "worker.kafka.poll-timeout=200ms",
                "worker.metrics.snapshot-interval=1s",
                "logging.level.root=WARN",
                "logging.level.dev.step1x=INFO",
                "logging.level.org.apache.kafka=ERROR"));
        p.addAll(s3.workerProperties());
        return p;
    }

    private static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (var walk = Files.walk(p)) {
            for (Path x : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(x);
            }
        }
    }

    @Override
    public void close() {
        s3.close();
        broker.close();
    }
}
