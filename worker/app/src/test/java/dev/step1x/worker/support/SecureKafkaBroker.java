package dev.step1x.worker.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.Uuid;

/**
 * A KRaft Kafka node ({@code kafka.Kafka} from the Kafka jars, in a child JVM) whose client listener wants
 * what a managed cluster wants: TLS with a certificate for {@code localhost} from a CA made for the test
 * (keytool), and SASL/SCRAM-SHA-512 with one user written into the metadata log at format time. A second,
 * plaintext listener on 127.0.0.1 serves the broker itself and the test's topic administration.
 */
public final class SecureKafkaBroker implements AutoCloseable {

    public static final String USER = "alice";
    public static final String PASSWORD = "alice-s3cret";
    public static final String STORE_PASSWORD = "store-pw";

    private final Path dir;
    private final int internalPort;
    private final int clientPort;
    private final int controllerPort;
    private Process process;

    private SecureKafkaBroker(Path dir) {
        this.dir = dir;
        try {
            this.internalPort = LocalS3Proxy.freePort();
            this.clientPort = LocalS3Proxy.freePort();
            this.controllerPort = LocalS3Proxy.freePort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Makes the certificates, formats the log directory with the SCRAM user and starts the node. */
    public static SecureKafkaBroker start(Path dir) {
        SecureKafkaBroker b = new SecureKafkaBroker(dir);
        try {
            b.certificates();
            Path conf = dir.resolve("server.properties");
            Files.writeString(conf, b.properties());
            b.run("format", List.of("kafka.tools.StorageTool", "format", "-t", Uuid.randomUuid().toString(), "-c",
                    conf.toString(), "--add-scram", "SCRAM-SHA-512=[name=" + USER + ",password=" + PASSWORD + "]"));
            b.process = b.java("broker", List.of("kafka.Kafka", conf.toString()));
            Runtime.getRuntime().addShutdownHook(new Thread(b::close));
            b.awaitPort(b.clientPort);
            return b;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The SASL_SSL listener: {@code localhost:PORT} (the name in the certificate). */
    public String bootstrap() {
        return "localhost:" + clientPort;
    }

    /** The CA certificate as PEM (a truststore of type PEM). */
    public Path caPem() {
        return dir.resolve("ca.pem");
    }

    /** The CA certificate in a PKCS12 truststore with {@link #STORE_PASSWORD}. */
    public Path truststore() {
        return dir.resolve("truststore.p12");
    }

    /** Creates topics through the plaintext listener. */
    public void createTopics(NewTopic... topics) {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + internalPort))) {
            admin.createTopics(List.of(topics)).all().get(60, TimeUnit.SECONDS);
        } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("cannot create " + List.of(topics) + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private void certificates() throws IOException {
        Files.createDirectories(dir);
        Path keystore = dir.resolve("broker.p12");
        keytool("-genkeypair", "-alias", "broker", "-keyalg", "RSA", "-keysize", "2048", "-validity", "7",
                "-dname", "CN=localhost", "-ext", "SAN=dns:localhost,ip:127.0.0.1", "-keystore", keystore.toString(),
                "-storetype", "PKCS12", "-storepass", STORE_PASSWORD, "-keypass", STORE_PASSWORD);
        keytool("-exportcert", "-rfc", "-alias", "broker", "-keystore", keystore.toString(), "-storepass",
                STORE_PASSWORD, "-file", caPem().toString());
        keytool("-importcert", "-noprompt", "-alias", "ca", "-file", caPem().toString(), "-keystore",
                truststore().toString(), "-storetype", "PKCS12", "-storepass", STORE_PASSWORD);
    }

    private void keytool(String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "keytool").toString()));
        cmd.addAll(List.of(args));
        Path log = dir.resolve("keytool.log");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(
                log.toFile())).start();
        try {
            if (p.waitFor() != 0) {
                throw new IllegalStateException("keytool " + args[0] + " failed: " + Files.readString(log));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private String properties() {
        return String.join("\n",
                "process.roles=broker,controller",
                "node.id=1",
                "controller.quorum.voters=1@127.0.0.1:" + controllerPort,
                "listeners=INTERNAL://127.0.0.1:" + internalPort + ",CLIENT://localhost:" + clientPort
                        + ",CONTROLLER://127.0.0.1:" + controllerPort,
                "advertised.listeners=INTERNAL://127.0.0.1:" + internalPort + ",CLIENT://localhost:" + clientPort,
                "controller.listener.names=CONTROLLER",
                "listener.security.protocol.map=INTERNAL:PLAINTEXT,CLIENT:SASL_SSL,CONTROLLER:PLAINTEXT",
                "inter.broker.listener.name=INTERNAL",
                "sasl.enabled.mechanisms=SCRAM-SHA-512",
                "listener.name.client.scram-sha-512.sasl.jaas.config="
                        + "org.apache.kafka.common.security.scram.ScramLoginModule required;",
                "listener.name.client.ssl.keystore.location=" + dir.resolve("broker.p12"),
                "listener.name.client.ssl.keystore.type=PKCS12",
                "listener.name.client.ssl.keystore.password=" + STORE_PASSWORD,
                "log.dirs=" + dir.resolve("data"),
                "offsets.topic.replication.factor=1",
                "offsets.topic.num.partitions=2",
                "transaction.state.log.replication.factor=1",
                "transaction.state.log.min.isr=1",
                "share.coordinator.state.topic.replication.factor=1",
                "share.coordinator.state.topic.min.isr=1",
                "group.initial.rebalance.delay.ms=0",
                "auto.create.topics.enable=false",
                "num.network.threads=2",
                "num.io.threads=2",
                "background.threads=2",
                "log.cleaner.enable=false",
                "");
    }

    private Process java(String name, List<String> mainAndArgs) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xms64m", "-Xmx384m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-Dlogback.configurationFile=dev/step1x/worker/support/quiet-logback.xml", "-cp", AppBuild.classpath()));
        cmd.addAll(mainAndArgs);
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve(name + ".log").toFile()).start();
    }

    private void run(String name, List<String> mainAndArgs) throws IOException {
        Process p = java(name, mainAndArgs);
        try {
            if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                throw new IllegalStateException(name + " failed: " + Files.readString(dir.resolve(name + ".log")));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private void awaitPort(int port) throws IOException {
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("the broker exited: " + Files.readString(dir.resolve("broker.log")));
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return;
            } catch (IOException notYet) {
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(e);
                }
            }
        }
        throw new IllegalStateException("the broker did not open port " + port + ": "
                + Files.readString(dir.resolve("broker.log")));
    }

    @Override
    public synchronized void close() {
        if (process != null) {
            process.destroyForcibly();
            try {
                process.waitFor(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            process = null;
        }
    }
}
