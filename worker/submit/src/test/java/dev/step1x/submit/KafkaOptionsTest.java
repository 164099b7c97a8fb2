package dev.step1x.submit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import javax.security.auth.login.AppConfigurationEntry;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.types.Password;
import org.apache.kafka.common.security.JaasContext;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The Kafka client properties {@code bin/step1x-submit} derives from its options. */
class KafkaOptionsTest {

    static KafkaOptions parse(String... args) {
        KafkaOptions o = new KafkaOptions();
        new CommandLine(o).parseArgs(args);
        return o;
    }

    static Properties props(Map<String, String> env, String awsProfile, String... args) {
        return parse(args).clientProperties(env, awsProfile);
    }

    /** The options of the single login module in a sasl.jaas.config value, as Kafka itself parses it. */
    static Map<String, Object> jaasOptions(Properties p, String module) {
        List<AppConfigurationEntry> entries = JaasContext.loadClientContext(
                Map.of("sasl.jaas.config", new Password(p.getProperty("sasl.jaas.config")))).configurationEntries();
        assertThat(entries).hasSize(1);
        assertThat(entries.get(0).getLoginModuleName()).isEqualTo(module);
        assertThat(entries.get(0).getControlFlag()).isEqualTo(AppConfigurationEntry.LoginModuleControlFlag.REQUIRED);
        return Map.copyOf(entries.get(0).getOptions());
    }

    @Test
    void plaintextByDefaultWithTheBootstrapFromTheEnvironment() {
        Properties p = props(Map.of("KAFKA_BOOTSTRAP_SERVERS", "k1:9092,k2:9092"), null);
        assertThat(p).containsEntry("bootstrap.servers", "k1:9092,k2:9092").containsEntry("security.protocol", "PLAINTEXT")
                .doesNotContainKey("sasl.mechanism");
        assertThat(props(Map.of(), null)).containsEntry("bootstrap.servers", "localhost:9092");
        assertThat(props(Map.of("KAFKA_BOOTSTRAP_SERVERS", "env:1"), null, "--bootstrap", "flag:1"))
                .containsEntry("bootstrap.servers", "flag:1");
    }

    @Test
    void mskIamUsesTheLibrarysLoginModuleAndCallbackHandlerOverTls() {
        Properties p = props(Map.of(), null, "--sasl-mechanism", "aws_msk_iam", "-b", "b-1.msk:9098");
        assertThat(p).containsEntry("security.protocol", "SASL_SSL").containsEntry("sasl.mechanism", "AWS_MSK_IAM")
                .containsEntry("sasl.jaas.config", "software.amazon.msk.auth.iam.IAMLoginModule required;")
                .containsEntry("sasl.client.callback.handler.class",
                        "software.amazon.msk.auth.iam.IAMClientCallbackHandler");
        assertThat(jaasOptions(p, "software.amazon.msk.auth.iam.IAMLoginModule")).isEmpty();

        Properties profile = props(Map.of(), "team-a", "--sasl-mechanism", "AWS_MSK_IAM");
        assertThat(jaasOptions(profile, "software.amazon.msk.auth.iam.IAMLoginModule"))
                .isEqualTo(Map.of("awsProfileName", "team-a"));
    }

    @Test
    void mskIamPropertiesAreAcceptedByTheKafkaClientWithTheLibraryOnTheClasspath() throws IOException {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        Properties p = props(Map.of(), "team-a", "--sasl-mechanism", "AWS_MSK_IAM", "-b", "127.0.0.1:" + closedPort);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        // the constructor loads the callback handler class, parses the JAAS entry and logs in with the module
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p)) {
            assertThat(producer.metrics()).isNotEmpty();
            producer.close(Duration.ZERO);
        }
    }

    @Test
    void scramAndPlainQuoteTheCredentialsSoThatKafkaReadsThemBack() {
        String password = "p\"a\\ss w;rd=}";
        Properties scram = props(Map.of("STEP1X_SASL_PASSWORD", password), null, "--sasl-mechanism", "SCRAM-SHA-512",
                "--sasl-username", "alice");
        assertThat(scram).containsEntry("security.protocol", "SASL_PLAINTEXT")
                .containsEntry("sasl.mechanism", "SCRAM-SHA-512");
        assertThat(jaasOptions(scram, "org.apache.kafka.common.security.scram.ScramLoginModule"))
                .isEqualTo(Map.of("username", "alice", "password", password));

        Properties plain = props(Map.of("STEP1X_SASL_USERNAME", "bob", "STEP1X_SASL_PASSWORD", "from-env"), null,
                "--sasl-mechanism", "PLAIN", "--sasl-password", "from-flag", "--tls");
        assertThat(plain).containsEntry("security.protocol", "SASL_SSL").containsEntry("sasl.mechanism", "PLAIN");
        assertThat(jaasOptions(plain, "org.apache.kafka.common.security.plain.PlainLoginModule"))
                .isEqualTo(Map.of("username", "bob", "password", "from-flag"));

        assertThat(props(Map.of("STEP1X_SASL_USERNAME", "u", "STEP1X_SASL_PASSWORD", "p"), null,
                "--sasl-mechanism", "scram-sha-256")).containsEntry("sasl.mechanism", "SCRAM-SHA-256");
    }

    @Test
    void tlsStoresByFileType() {
        Properties jks = props(Map.of("STEP1X_TRUSTSTORE_PASSWORD", "tpw"), null, "--truststore", "ca.jks");
        assertThat(jks).containsEntry("security.protocol", "SSL").containsEntry("ssl.truststore.type", "JKS")
                .containsEntry("ssl.truststore.password", "tpw")
                .containsEntry("ssl.truststore.location", Path.of("ca.jks").toAbsolutePath().toString());

        Properties pem = props(Map.of(), null, "--truststore", "ca.pem", "--truststore-password", "ignored");
        assertThat(pem).containsEntry("ssl.truststore.type", "PEM").doesNotContainKey("ssl.truststore.password");

        Properties mtls = props(Map.of("STEP1X_KEYSTORE_PASSWORD", "kpw"), null, "--keystore", "client.p12",
                "--key-password", "keypw", "--sasl-mechanism", "PLAIN", "--sasl-username", "u", "--sasl-password", "p");
        assertThat(mtls).containsEntry("security.protocol", "SASL_SSL").containsEntry("ssl.keystore.type", "PKCS12")
                .containsEntry("ssl.keystore.password", "kpw").containsEntry("ssl.key.password", "keypw");

        assertThat(props(Map.of(), null, "--tls")).containsEntry("security.protocol", "SSL")
                .doesNotContainKey("ssl.truststore.location");
    }

    @Test
    void rawPropertiesComeLast() {
        Properties p = props(Map.of(), null, "--tls", "--kafka-property", "security.protocol=SASL_SSL",
                "--kafka-property", "sasl.mechanism=OAUTHBEARER", "--kafka-property", "client.dns.lookup=use_all_dns_ips");
        assertThat(p).containsEntry("security.protocol", "SASL_SSL").containsEntry("sasl.mechanism", "OAUTHBEARER")
                .containsEntry("client.dns.lookup", "use_all_dns_ips");
    }

    @Test
    void contradictionsAreRejected() {
        assertThatThrownBy(() -> props(Map.of(), null, "--keystore", "client.p12"))
                .hasMessageContaining("needs --keystore-password");
        assertThatThrownBy(() -> props(Map.of(), null, "--sasl-username", "u"))
                .hasMessageContaining("need --sasl-mechanism");
        assertThatThrownBy(() -> props(Map.of(), null, "--truststore-password", "x"))
                .hasMessageContaining("needs --truststore");
        assertThatThrownBy(() -> props(Map.of(), null, "--sasl-mechanism", "AWS_MSK_IAM", "--sasl-password", "x"))
                .hasMessageContaining("AWS_MSK_IAM authenticates with AWS credentials");
    }
}
