package dev.step1x.worker.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.S3Configuration;

/**
 * A real S3-compatible server on 127.0.0.1: S3Proxy (jar-with-dependencies, copied to
 * target/s3proxy/s3proxy.jar by the build) in a child JVM, with the filesystem backend so that a
 * stop/start keeps the objects (used to simulate an outage).
 */
public final class LocalS3Proxy implements AutoCloseable {

    public static final String IDENTITY = "local-identity";
    public static final String CREDENTIAL = "local-credential";

    private final Path jar;
    private final Path dir;
    private final int port;
    private Process process;

    private LocalS3Proxy(Path jar, Path dir, int port) {
        this.jar = jar;
        this.dir = dir;
        this.port = port;
    }

    /** Finds the jar from -Ds3proxy.jar or worker/app's target/s3proxy/s3proxy.jar and starts the server. */
    public static LocalS3Proxy start() {
        String prop = System.getProperty("s3proxy.jar");
        Path jar = prop != null ? Path.of(prop) : AppBuild.target().resolve("s3proxy/s3proxy.jar");
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar.toAbsolutePath() + " is missing; build with mvn -pl worker/app package");
        }
        try {
            LocalS3Proxy p = new LocalS3Proxy(jar, Files.createTempDirectory("s3proxy"), freePort());
            p.startProcess();
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
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
                    // S3Proxy refuses headers it does not implement (501); x-amz-expected-bucket-owner is one
                    "s3proxy.ignore-unknown-headers=true",
                    "jclouds.provider=filesystem",
                    "jclouds.filesystem.basedir=" + data,
                    "jclouds.identity=unused",
                    "jclouds.credential=unused", ""));
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            process = new ProcessBuilder(List.of(java, "-Xmx256m", "-XX:TieredStopAtLevel=1", "-jar", jar.toString(),
                    "--properties", conf.toString()))
                    .redirectErrorStream(true)
                    .redirectOutput(dir.resolve("s3proxy.log").toFile())
                    .start();
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (System.nanoTime() < deadline) {
                if (!process.isAlive()) {
                    throw new IllegalStateException("S3Proxy exited: " + Files.readString(dir.resolve("s3proxy.log")));
                }
                try (Socket s = new Socket()) {
                    s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                    return;
                } catch (IOException notYet) {
                    Thread.sleep(100);
                }
            }
            throw new IllegalStateException("S3Proxy did not open port " + port);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Kills the server (an outage); {@link #startProcess()} brings it back on the same port and data. */
    public synchronized void stopProcess() {
        if (process != null) {
            process.destroyForcibly();
            try {
                process.waitFor();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            process = null;
        }
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + port);
    }

    /** A client for tests and the local run (path style, static credentials, checksums when required). */
    public S3Client client() {
        return clientBuilder().build();
    }

    /** The builder of {@link #client()}, for a client with more settings. */
    public S3ClientBuilder clientBuilder() {
        return S3Client.builder()
                .endpointOverride(endpoint())
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(IDENTITY, CREDENTIAL)))
                .serviceConfiguration(S3Configuration.builder().pathStyleAccessEnabled(true).build())
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED);
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
    public void close() {
        stopProcess();
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 0, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
