package dev.step1x.submit;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.config.SslConfigs;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

/**
 * The Kafka connection of {@code bin/step1x-submit}: bootstrap servers, TLS (server verification and an
 * optional client certificate), SASL PLAIN / SCRAM / AWS MSK IAM, and raw client properties. Secrets may
 * come from environment variables instead of the command line.
 */
public final class KafkaOptions {

    /** Environment variable: the default bootstrap servers (as the worker's application.properties). */
    public static final String ENV_BOOTSTRAP = "KAFKA_BOOTSTRAP_SERVERS";
    public static final String ENV_SASL_USERNAME = "STEP1X_SASL_USERNAME";
    public static final String ENV_SASL_PASSWORD = "STEP1X_SASL_PASSWORD";
    public static final String ENV_TRUSTSTORE_PASSWORD = "STEP1X_TRUSTSTORE_PASSWORD";
    public static final String ENV_KEYSTORE_PASSWORD = "STEP1X_KEYSTORE_PASSWORD";
    public static final String ENV_KEY_PASSWORD = "STEP1X_KEY_PASSWORD";

    /** Login module and callback handler of {@code software.amazon.msk:aws-msk-iam-auth}. */
    public static final String IAM_LOGIN_MODULE = "software.amazon.msk.auth.iam.IAMLoginModule";
    public static final String IAM_CALLBACK_HANDLER = "software.amazon.msk.auth.iam.IAMClientCallbackHandler";
    static final String PLAIN_LOGIN_MODULE = "org.apache.kafka.common.security.plain.PlainLoginModule";
    static final String SCRAM_LOGIN_MODULE = "org.apache.kafka.common.security.scram.ScramLoginModule";

    /** The SASL mechanisms the tool configures by itself. */
    public enum SaslMechanism {
        PLAIN("PLAIN"), SCRAM_SHA_256("SCRAM-SHA-256"), SCRAM_SHA_512("SCRAM-SHA-512"), AWS_MSK_IAM("AWS_MSK_IAM");

        private final String kafkaName;

        SaslMechanism(String kafkaName) {
            this.kafkaName = kafkaName;
        }

        /** The value of {@code sasl.mechanism}. */
        public String kafkaName() {
            return kafkaName;
        }

        @Override
        public String toString() {
            return kafkaName;
        }

        /** Accepts the Kafka names in any case, with '-' or '_'. */
        static final class Converter implements ITypeConverter<SaslMechanism> {
            @Override
            public SaslMechanism convert(String value) {
                String v = value.trim().toUpperCase(Locale.ROOT).replace('_', '-');
                for (SaslMechanism m : values()) {
                    if (m.kafkaName.replace('_', '-').equals(v)) {
                        return m;
                    }
                }
                throw new TypeConversionException("'" + value + "' is not one of PLAIN, SCRAM-SHA-256, SCRAM-SHA-512, "
                        + "AWS_MSK_IAM");
            }
        }
    }

    @Option(names = {"-b", "--bootstrap"}, paramLabel = "HOST:PORT[,...]",
            description = "Kafka bootstrap servers (default: $" + ENV_BOOTSTRAP + " or localhost:9092)")
    String bootstrap;

    @Option(names = "--tls", description = "connect with TLS (implied by --truststore, --keystore and AWS_MSK_IAM); "
            + "without --truststore the JVM's default CAs verify the brokers (enough for Amazon MSK)")
    boolean tls;

    @Option(names = "--truststore", paramLabel = "FILE",
            description = "CA certificates for the brokers: PKCS12 (.p12/.pfx, default), JKS (.jks) or PEM (.pem/.crt)")
    Path truststore;

    @Option(names = "--truststore-password", paramLabel = "PASSWORD",
            description = "truststore password (default: $" + ENV_TRUSTSTORE_PASSWORD + "; none for PEM)")
    String truststorePassword;

    @Option(names = "--keystore", paramLabel = "FILE",
            description = "client certificate and key for mutual TLS: PKCS12 (default), JKS (.jks) or PEM (.pem)")
    Path keystore;

    @Option(names = "--keystore-password", paramLabel = "PASSWORD",
            description = "keystore password (default: $" + ENV_KEYSTORE_PASSWORD + ")")
    String keystorePassword;

    @Option(names = "--key-password", paramLabel = "PASSWORD",
            description = "password of the private key if it differs from the keystore's, or of an encrypted PEM key "
                    + "(default: $" + ENV_KEY_PASSWORD + ")")
    String keyPassword;

    @Option(names = "--sasl-mechanism", paramLabel = "MECHANISM", converter = SaslMechanism.Converter.class,
            description = "PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 or AWS_MSK_IAM (IAM via aws-msk-iam-auth; always over "
                    + "TLS, credentials from the default AWS chain or --aws-profile)")
    SaslMechanism saslMechanism;

    @Option(names = "--sasl-username", paramLabel = "USER",
            description = "PLAIN/SCRAM user name (default: $" + ENV_SASL_USERNAME + ")")
    String saslUsername;

    @Option(names = "--sasl-password", paramLabel = "PASSWORD",
            description = "PLAIN/SCRAM password (default: $" + ENV_SASL_PASSWORD
                    + "; prefer the variable, a command line is visible to other users)")
    String saslPassword;

    @Option(names = "--kafka-property", paramLabel = "KEY=VALUE",
            description = "any other Kafka client property, applied last (repeatable)")
    Map<String, String> extra = new LinkedHashMap<>();

    /** True when the connection uses TLS. */
    boolean usesTls() {
        return tls || truststore != null || keystore != null || saslMechanism == SaslMechanism.AWS_MSK_IAM;
    }

    /**
     * The client properties shared by the producer and the results consumer. {@code env} supplies the
     * environment variables; {@code awsProfile} is the named AWS profile for MSK IAM ({@code null}: the
     * default chain).
     *
     * @throws IllegalArgumentException when options are missing or contradict each other (a usage error)
     */
    public Properties clientProperties(Map<String, String> env, String awsProfile) {
        Properties p = new Properties();
        String servers = firstNonBlank(bootstrap, env.get(ENV_BOOTSTRAP), "localhost:9092");
        p.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, servers);
        boolean ssl = usesTls();
        String protocol = saslMechanism != null ? (ssl ? "SASL_SSL" : "SASL_PLAINTEXT") : (ssl ? "SSL" : "PLAINTEXT");
        p.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, protocol);
        if (truststore != null) {
            String type = storeType(truststore);
            p.put(SslConfigs.SSL_TRUSTSTORE_LOCATION_CONFIG, truststore.toAbsolutePath().toString());
            p.put(SslConfigs.SSL_TRUSTSTORE_TYPE_CONFIG, type);
            String pw = firstNonBlank(truststorePassword, env.get(ENV_TRUSTSTORE_PASSWORD), null);
            if (pw != null && !type.equals("PEM")) { // Kafka refuses a password with a PEM truststore
                p.put(SslConfigs.SSL_TRUSTSTORE_PASSWORD_CONFIG, pw);
            }
        } else if (truststorePassword != null) {
            throw new IllegalArgumentException("--truststore-password needs --truststore");
        }
        String keyPw = firstNonBlank(keyPassword, env.get(ENV_KEY_PASSWORD), null);
        if (keystore != null) {
            String type = storeType(keystore);
            p.put(SslConfigs.SSL_KEYSTORE_LOCATION_CONFIG, keystore.toAbsolutePath().toString());
            p.put(SslConfigs.SSL_KEYSTORE_TYPE_CONFIG, type);
            String pw = firstNonBlank(keystorePassword, env.get(ENV_KEYSTORE_PASSWORD), null);
            if (!type.equals("PEM")) {
                if (pw == null) {
                    throw new IllegalArgumentException("--keystore " + keystore + " needs --keystore-password (or $"
                            + ENV_KEYSTORE_PASSWORD + ")");
                }
                p.put(SslConfigs.SSL_KEYSTORE_PASSWORD_CONFIG, pw);
            }
            if (keyPw != null) {
                p.put(SslConfigs.SSL_KEY_PASSWORD_CONFIG, keyPw);
            }
        } else if (keystorePassword != null || keyPassword != null) {
            throw new IllegalArgumentException("--keystore-password and --key-password need --keystore");
        }
        String user = firstNonBlank(saslUsername, env.get(ENV_SASL_USERNAME), null);
        String password = firstNonBlank(saslPassword, env.get(ENV_SASL_PASSWORD), null);
        if (saslMechanism == null) {
            if (saslUsername != null || saslPassword != null) {
                throw new IllegalArgumentException("--sasl-username and --sasl-password need --sasl-mechanism");
            }
        } else if (saslMechanism == SaslMechanism.AWS_MSK_IAM) {
            if (saslUsername != null || saslPassword != null) {
                throw new IllegalArgumentException("AWS_MSK_IAM authenticates with AWS credentials, not "
                        + "--sasl-username/--sasl-password (use --aws-profile or the default AWS chain)");
            }
            p.put(SaslConfigs.SASL_MECHANISM, saslMechanism.kafkaName());
            p.put(SaslConfigs.SASL_JAAS_CONFIG, IAM_LOGIN_MODULE + " required"
                    + (awsProfile != null ? " awsProfileName=" + jaasQuote(awsProfile) : "") + ";");
            p.put(SaslConfigs.SASL_CLIENT_CALLBACK_HANDLER_CLASS, IAM_CALLBACK_HANDLER);
        } else {
            if (user == null || password == null) {
                throw new IllegalArgumentException(saslMechanism + " needs --sasl-username and --sasl-password (or $"
                        + ENV_SASL_USERNAME + " and $" + ENV_SASL_PASSWORD + ")");
            }
            String module = saslMechanism == SaslMechanism.PLAIN ? PLAIN_LOGIN_MODULE : SCRAM_LOGIN_MODULE;
            p.put(SaslConfigs.SASL_MECHANISM, saslMechanism.kafkaName());
            p.put(SaslConfigs.SASL_JAAS_CONFIG, module + " required username=" + jaasQuote(user) + " password="
                    + jaasQuote(password) + ";");
        }
        extra.forEach((k, v) -> {
            if (k.isBlank()) {
                throw new IllegalArgumentException("--kafka-property needs KEY=VALUE, got '=" + v + "'");
            }
            p.put(k.trim(), v);
        });
        return p;
    }

    /** The keystore/truststore type from the file name: JKS, PEM, else PKCS12. */
    static String storeType(Path file) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".jks")) {
            return "JKS";
        }
        if (name.endsWith(".pem") || name.endsWith(".crt") || name.endsWith(".cer")) {
            return "PEM";
        }
        return "PKCS12";
    }

    /**
     * A JAAS option value in double quotes. Kafka parses {@code sasl.jaas.config} with a
     * {@link java.io.StreamTokenizer}, which reads backslash escapes inside quotes.
     */
    static String jaasQuote(String value) {
        return "\"" + value.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    private static String firstNonBlank(String a, String b, String fallback) {
        if (a != null && !a.isBlank()) {
            return a;
        }
        if (b != null && !b.isBlank()) {
            return b;
        }
        return fallback;
    }
}
