package dev.step1x.loadtest.env;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.Uuid;

/**
 * One KRaft node (broker and controller) from the Kafka jars ({@code kafka.Kafka}) in a child JVM, on fixed
 * loopback ports with its log directory on disk. Unlike spring-kafka-test's in-process broker it can be
 * stopped (SIGTERM or SIGKILL) and started again on the same port with the same data, which the
 * broker-restart scenario needs; every scenario uses it for uniformity.
 */
public final class KafkaBroker implements AutoCloseable {

    private final Path dir;
    private final int port;
    private final int controllerPort;
    /** A second client listener, advertised at the relay's port: clients bootstrapped there go through the relay. */
    private final int relayedPort;
    private final TcpRelay relay;
    private final String classpath;
    private ChildJvm process;
    private int starts;

    private KafkaBroker(Path dir, int port, int controllerPort, int relayedPort, TcpRelay relay, String classpath) {
        this.dir = dir;
        this.port = port;
        this.controllerPort = controllerPort;
        this.relayedPort = relayedPort;
        this.relay = relay;
        this.classpath = classpath;
    }

    /** Formats a fresh log directory under {@code dir} and starts the node. */
    public static KafkaBroker start(Path dir) {
        int relayedPort = ChildJvm.freePort();
        KafkaBroker b = new KafkaBroker(dir, ChildJvm.freePort(), ChildJvm.freePort(), relayedPort,
                TcpRelay.start(ChildJvm.freePort(), relayedPort), Classpaths.runtime());
        b.format();
        b.startProcess();
        return b;
    }

    private void format() {
        try {
            Files.createDirectories(dir);
            Path conf = dir.resolve("server.properties");
            Files.writeString(conf, properties());
            ChildJvm fmt = ChildJvm.start("kafka-storage-format", jvmArgs(), List.of("kafka.tools.StorageTool", "format",
                    "-t", Uuid.randomUuid().toString(), "-c", conf.toString()),
                    dir.resolve("format.log"), Map.of());
            Integer rc = fmt.waitFor(Duration.ofSeconds(60)).orElse(-1);
            if (rc != 0) {
                throw new IllegalStateException("kafka storage format failed (" + rc + "):\n" + fmt.tail(30));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private String properties() {
        return String.join("\n",
                "process.roles=broker,controller",
                "node.id=1",
                "controller.quorum.voters=1@127.0.0.1:" + controllerPort,
                "listeners=PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort
                        + ",RELAYED://127.0.0.1:" + relayedPort,
                "advertised.listeners=PLAINTEXT://127.0.0.1:" + port + ",RELAYED://127.0.0.1:" + relay.port(),
                "controller.listener.names=CONTROLLER",
                "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,RELAYED:PLAINTEXT",
                "inter.broker.listener.name=PLAINTEXT",
                "log.dirs=" + dir.resolve("data"),
                "offsets.topic.replication.factor=1",
                "offsets.topic.num.partitions=4",
                "transaction.state.log.replication.factor=1",
                "transaction.state.log.min.isr=1",
                "share.coordinator.state.topic.replication.factor=1",
                "share.coordinator.state.topic.min.isr=1",
                "group.initial.rebalance.delay.ms=0",
                "auto.create.topics.enable=false",
                "num.network.threads=2",
                "num.io.threads=2",
                "background.threads=2",
                "num.recovery.threads.per.data.dir=1",
                "log.cleaner.threads=1",
                "");
    }

    private List<String> jvmArgs() {
        return new ArrayList<>(List.of("-Xms128m", "-Xmx512m", "-XX:+UseSerialGC", "-Djava.awt.headless=true",
                "-cp", classpath));
    }

    /** Starts the node (again): same ports, same data. */
    public synchronized void startProcess() {
        if (process != null && process.isAlive()) {
            return;
        }
        starts++;
        process = ChildJvm.start("kafka", jvmArgs(), List.of("kafka.Kafka", dir.resolve("server.properties").toString()),
                dir.resolve("broker.log"), Map.of());
        ChildJvm.awaitPort(process, port, Duration.ofSeconds(90));
    }

    /** Stops the node: SIGTERM (controlled shutdown) or SIGKILL (crash). */
    public synchronized void stopProcess(boolean kill) {
        if (process == null) {
            return;
        }
        if (kill) {
            process.kill();
        } else {
            process.stop(Duration.ofSeconds(30));
        }
        process = null;
    }

    /**
     * Freezes the broker (SIGSTOP): clients keep their connections and get no answer, so a worker's publish
     * hangs after its output is written. {@link #thaw()} lets it go on (SIGCONT).
     */
    public synchronized void freeze() {
        process.freeze(true);
    }

    public synchronized void thaw() {
        process.freeze(false);
    }

    public String bootstrap() {
        return "127.0.0.1:" + port;
    }

    /** Bootstrap of the relayed listener: a client bootstrapped here reaches the broker only through {@link #relay()}. */
    public String relayedBootstrap() {
        return "127.0.0.1:" + relay.port();
    }

    /** The relay in front of the relayed listener (cut it to take the broker away from those clients only). */
    public TcpRelay relay() {
        return relay;
    }

    public int starts() {
        return starts;
    }

    public Admin admin() {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap(),
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000));
    }

    /** Creates topics (replication 1). */
    public void createTopics(List<NewTopic> topics) {
        try (Admin admin = admin()) {
            admin.createTopics(topics).all().get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot create topics " + topics + ": " + e.getCause(), e.getCause());
        }
    }

    @Override
    public void close() {
        stopProcess(true);
        relay.close();
    }
}
