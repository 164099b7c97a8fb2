package dev.step1x.submit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.step1x.worker.support.Images;
import dev.step1x.worker.support.ItEnvironment;
import dev.step1x.worker.support.LocalS3Proxy;
import dev.step1x.worker.support.SecureKafkaBroker;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;

/**
 * {@code bin/step1x-submit} against a broker that only accepts TLS + SASL/SCRAM-SHA-512 clients (as a
 * managed cluster does), answered by a real worker configured the way the Helm chart configures it for
 * {@code kafka.auth=scram}: the tool's TLS and SCRAM settings work end to end, and wrong credentials or an
 * untrusted certificate fail with exit 1 and the reason, instead of hanging.
 */
class SubmitSecureKafkaIT {

    static final String REQUESTS = "secure-it.requests";
    static final String RESULTS = "secure-it.results";

    @TempDir
    static Path brokerDir;
    static SecureKafkaBroker broker;
    static WorkerProcess worker;

    @BeforeAll
    static void start() {
        ItEnvironment.start(); // S3Proxy (and the shared plaintext broker, unused here)
        broker = SecureKafkaBroker.start(brokerDir);
        broker.createTopics(new NewTopic(REQUESTS, 2, (short) 1), new NewTopic(RESULTS, 2, (short) 1),
                new NewTopic("secure-it.dlq", 1, (short) 1), new NewTopic("secure-it.metrics", 1, (short) 1));
        String binder = "spring.cloud.stream.kafka.binder.configuration.";
        List<String> args = new ArrayList<>(List.of(
                "spring.cloud.stream.kafka.binder.brokers=" + broker.bootstrap(),
                "spring.cloud.stream.bindings.ingest-in-0.destination=" + REQUESTS,
                "spring.cloud.stream.bindings.results-out-0.destination=" + RESULTS,
                "spring.cloud.stream.bindings.dlq-out-0.destination=secure-it.dlq",
                "spring.cloud.stream.bindings.metrics-out-0.destination=secure-it.metrics",
                binder + "security.protocol=SASL_SSL",
                binder + "sasl.mechanism=SCRAM-SHA-512",
                binder + "sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username=\""
                        + SecureKafkaBroker.USER + "\" password=\"" + SecureKafkaBroker.PASSWORD + "\";",
                binder + "ssl.truststore.location=" + broker.truststore(),
                binder + "ssl.truststore.type=PKCS12",
                binder + "ssl.truststore.password=" + SecureKafkaBroker.STORE_PASSWORD,
                "server.port=0",
                "worker.id=secure-it-1",
                "worker.engine.mode=simulated",
                "worker.engine.model-versions=v1.1",
                "worker.engine.simulated.base=20ms",
                "worker.engine.simulated.per-row=5ms",
                "worker.batching.max-delay=50ms",
                "worker.storage.allowed-input-buckets=" + ItEnvironment.INPUTS,
                "worker.storage.allowed-output-buckets=" + ItEnvironment.OUTPUTS,
                "worker.kafka.poll-timeout=200ms",
                "logging.level.org.apache.kafka=WARN",
                "logging.level.org.springframework.kafka=WARN",
                "logging.level.org.springframework.cloud.stream=WARN"));
        args.addAll(ItEnvironment.s3proxy().workerProperties());
        worker = WorkerProcess.start("secure-it", args);
    }

    @AfterAll
    static void stop() {
        if (worker != null) {
            worker.close();
        }
        if (broker != null) {
            broker.close();
        }
    }

    record Run(int rc, String out, String err) {}

    static Run submit(Map<String, String> env, List<String> args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int rc = Submit.run(args.toArray(String[]::new), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), env);
        Run r = new Run(rc, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        System.out.println("step1x-submit " + String.join(" ", args) + "\n-> " + rc + "\n" + r.out() + r.err());
        return r;
    }

    static List<String> request(String id, String... more) {
        List<String> a = new ArrayList<>(List.of("--bootstrap", broker.bootstrap(), "--topic", REQUESTS,
                "--results-topic", RESULTS, "--s3-endpoint", ItEnvironment.s3proxy().endpoint().toString(),
                "--s3-access-key", LocalS3Proxy.IDENTITY, "--s3-secret-key", LocalS3Proxy.CREDENTIAL,
                "--input", "s3://" + ItEnvironment.INPUTS + "/secure-it/" + id + ".png", "--instruction", "add a hat",
                "--output-bucket", ItEnvironment.OUTPUTS, "--output-prefix", "secure-it/", "--request-id", id));
        a.addAll(List.of(more));
        return a;
    }

    @Test
    void scramOverTlsWithAPemTruststoreAndThePasswordFromTheEnvironment(@TempDir Path tmp) throws Exception {
        byte[] image = Images.sample(Images.SQUARE_PNG);
        Path file = Files.write(tmp.resolve("square.png"), image);
        Run run = submit(Map.of("STEP1X_SASL_PASSWORD", SecureKafkaBroker.PASSWORD), request("secure-1",
                "--truststore", broker.caPem().toString(), "--sasl-mechanism", "SCRAM-SHA-512",
                "--sasl-username", SecureKafkaBroker.USER, "--upload", file.toString(),
                "--wait", "120", "--download", tmp.resolve("out").toString()));

        assertThat(run.rc()).as(run.err()).isZero();
        assertThat(run.out()).containsPattern("secure-1\\s+SUCCEEDED\\s+-\\s+s3://outputs/secure-it/secure-1\\.png");
        byte[] object = ItEnvironment.s3().getObjectAsBytes(GetObjectRequest.builder().bucket(ItEnvironment.OUTPUTS)
                .key("secure-it/secure-1.png").build()).asByteArray();
        assertThat(Files.readAllBytes(tmp.resolve("out/secure-1.png"))).isEqualTo(object).isNotEqualTo(image);
    }

    @Test
    void aWrongPasswordFailsWithTheReason() {
        Run run = submit(Map.of(), request("secure-wrong-password", "--truststore", broker.truststore().toString(),
                "--truststore-password", SecureKafkaBroker.STORE_PASSWORD, "--sasl-mechanism", "SCRAM-SHA-512",
                "--sasl-username", SecureKafkaBroker.USER, "--sasl-password", "not-the-password"));

        assertThat(run.rc()).isEqualTo(1);
        assertThat(run.err()).startsWith("step1x-submit: ").contains("Authentication failed");
        assertThat(run.out()).doesNotContain("sent secure-wrong-password");
    }

    @Test
    void aBrokerCertificateFromAnUnknownCaFailsTheHandshake() {
        // --tls alone trusts the JVM's CAs, which did not sign the test broker's certificate
        Run run = submit(Map.of("STEP1X_SASL_USERNAME", SecureKafkaBroker.USER, "STEP1X_SASL_PASSWORD",
                SecureKafkaBroker.PASSWORD), request("secure-untrusted", "--tls", "--sasl-mechanism", "SCRAM-SHA-512",
                "--wait", "30"));

        assertThat(run.rc()).isEqualTo(1);
        assertThat(run.err()).startsWith("step1x-submit: ").containsIgnoringCase("SSL handshake failed");
    }
}
