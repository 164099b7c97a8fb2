package dev.step1x.loadtest.env;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.model.S3Exception;

/** The relay in front of S3Proxy passes signed requests through, delays them, or answers 503 SlowDown. */
class S3FaultFrontIT {

    @Test
    void passesDelaysAndThrottles() throws Exception {
        Path dir = Files.createTempDirectory("fault-front");
        try (S3Server server = S3Server.start(dir); S3FaultFront front = S3FaultFront.start(server.endpoint());
                S3Client viaFront = S3Client.builder()
                        .endpointOverride(front.endpoint())
                        .region(Region.US_EAST_1)
                        .credentialsProvider(StaticCredentialsProvider.create(
                                AwsBasicCredentials.create(S3Server.IDENTITY, S3Server.CREDENTIAL)))
                        .serviceConfiguration(S3Configuration.builder().pathStyleAccessEnabled(true).build())
                        .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                        .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                        // one attempt per call: the 503 must reach the test
                        .overrideConfiguration(o -> o.apiCallTimeout(Duration.ofSeconds(20))
                                .retryStrategy(AwsRetryStrategy.doNotRetry()))
                        .build()) {
            viaFront.createBucket(b -> b.bucket("front-test"));
            viaFront.putObject(b -> b.bucket("front-test").key("a.txt"), RequestBody.fromString("hello"));
            assertThat(viaFront.getObjectAsBytes(g -> g.bucket("front-test").key("a.txt")).asUtf8String())
                    .isEqualTo("hello");
            assertThat(viaFront.headObject(h -> h.bucket("front-test").key("a.txt")).contentLength()).isEqualTo(5);
            assertThat(server.client().getObjectAsBytes(g -> g.bucket("front-test").key("a.txt")).asUtf8String())
                    .isEqualTo("hello");

            front.delay(Duration.ofMillis(1500));
            long t0 = System.nanoTime();
            assertThat(viaFront.getObjectAsBytes(g -> g.bucket("front-test").key("a.txt")).asUtf8String())
                    .isEqualTo("hello");
            assertThat((System.nanoTime() - t0) / 1_000_000).isGreaterThanOrEqualTo(1500);

            front.slowDown();
            assertThatThrownBy(() -> viaFront.getObjectAsBytes(g -> g.bucket("front-test").key("a.txt")))
                    .isInstanceOfSatisfying(S3Exception.class, e -> {
                        assertThat(e.statusCode()).isEqualTo(503);
                        assertThat(e.awsErrorDetails().errorCode()).isEqualTo("SlowDown");
                    });

            front.pass();
            assertThat(viaFront.getObjectAsBytes(g -> g.bucket("front-test").key("a.txt")).asUtf8String())
                    .isEqualTo("hello");
            long[] counts = front.counts();
            assertThat(counts[1]).isEqualTo(1);
            assertThat(counts[2]).isEqualTo(1);
            assertThat(counts[0]).isGreaterThanOrEqualTo(4);
        }
    }
}
