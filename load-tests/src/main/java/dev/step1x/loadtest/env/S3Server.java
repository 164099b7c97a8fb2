package dev.step1x.loadtest.env;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3Configuration;

/**
 * An S3-compatible server on loopback: S3Proxy (the jar-with-dependencies the build copies to
 * target/s3proxy/) in a child JVM with the filesystem backend, so a stop and a start keep the objects and
 * the port (the outage scenario).
 */
public final class S3Server implements AutoCloseable {

    public static final String IDENTITY = "load-identity";
    public static final String CREDENTIAL = "load-credential";

    private final Path dir;
    private final int port;
    private ChildJvm process;
    private S3Client client;

    private S3Server(Path dir, int port) {
        this.dir = dir;
        this.port = port;
    }

    public static S3Server start(Path dir) {
        S3Server s = new S3Server(dir, ChildJvm.freePort());
        s.startProcess();
        return s;
    }

    public synchronized void startProcess() {
        if (process != null && process.isAlive()) {
            return;
        }
        try {
            Path data = Files.createDirectories(dir.resolve("data"));
            Path conf = dir.resolve("s3proxy.conf");
            Files.writeString(conf, String.join("\n",
                    "s3proxy.endpoint=http://127.0.0.1:" + port,
                    "s3proxy.authorization=aws-v2-or-v4",
                    "s3proxy.identity=" + IDENTITY,
                    "s3proxy.credential=" + CREDENTIAL,
                    // S3Proxy refuses headers it does not implement (501), x-amz-expected-bucket-owner among them
                    "s3proxy.ignore-unknown-headers=true",
                    "jclouds.provider=filesystem",
                    "jclouds.filesystem.basedir=" + data,
                    "jclouds.identity=unused",
                    "jclouds.credential=unused", ""));
            process = ChildJvm.start("s3proxy",
                    List.of("-Xms64m", "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"),
                    List.of("-jar", Classpaths.s3proxyJar().toString(), "--properties", conf.toString()),
                    dir.resolve("s3proxy.log"), Map.of());
            ChildJvm.awaitPort(process, port, Duration.ofSeconds(60));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Kills the server (an outage); {@link #startProcess()} brings it back on the same port and data. */
    public synchronized void stopProcess() {
        if (process != null) {
            process.kill();
            process = null;
        }
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + port);
    }

    /** A shared client (path style, static credentials, checksums only when required, as S3Proxy 2.x wants). */
    public synchronized S3Client client() {
        if (client == null) {
            client = S3Client.builder()
                    .endpointOverride(endpoint())
                    .region(Region.US_EAST_1)
                    .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(IDENTITY, CREDENTIAL)))
                    .serviceConfiguration(S3Configuration.builder().pathStyleAccessEnabled(true).build())
                    .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                    .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                    .build();
        }
        return client;
    }

    /** The worker properties that point it at this server. */
    public List<String> workerProperties() {
        return List.of(
                "worker.storage.endpoint=" + endpoint(),
                "worker.storage.path-style=true",
                "worker.storage.access-key=" + IDENTITY,
                "worker.storage.secret-key=" + CREDENTIAL,
                "worker.storage.checksums-when-required=true");
    }

    @Override
    public synchronized void close() {
        if (client != null) {
            client.close();
            client = null;
        }
        stopProcess();
    }
}
