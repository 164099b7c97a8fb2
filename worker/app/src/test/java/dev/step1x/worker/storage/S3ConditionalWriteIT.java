package dev.step1x.worker.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.step1x.worker.config.WorkerProperties;
import dev.step1x.worker.support.ItEnvironment;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * What the exactly-once output objects need from the S3 server the tests use (S3Proxy in a child JVM): a PUT
 * with {@code If-None-Match: *} on a taken key is refused with 412 and leaves the object as it was, and user
 * metadata comes back on HEAD. Also: every call of {@link S3ObjectStore} names the expected bucket owner when
 * one is configured.
 */
class S3ConditionalWriteIT {

    @BeforeAll
    static void servers() {
        ItEnvironment.start();
    }

    @Test
    void aSecondPutWithIfNoneMatchIsRefusedWith412AndTheFirstObjectStays() {
        S3Client s3 = ItEnvironment.s3();
        String key = "conditional/raw-" + System.nanoTime() + ".bin";
        s3.putObject(PutObjectRequest.builder().bucket(ItEnvironment.OUTPUTS).key(key).ifNoneMatch("*").build(),
                RequestBody.fromString("first"));
        assertThatThrownBy(() -> s3.putObject(PutObjectRequest.builder().bucket(ItEnvironment.OUTPUTS).key(key)
                .ifNoneMatch("*").build(), RequestBody.fromString("second")))
                .isInstanceOfSatisfying(S3Exception.class, e -> assertThat(e.statusCode()).isEqualTo(412));
        assertThat(s3.getObjectAsBytes(g -> g.bucket(ItEnvironment.OUTPUTS).key(key)).asUtf8String()).isEqualTo("first");
    }

    @Test
    void createIfAbsentCreatesOnceAndHeadReturnsTheMetadata() {
        S3ObjectStore store = new S3ObjectStore(ItEnvironment.s3(), storage(null));
        String key = "conditional/store-" + System.nanoTime() + ".png";
        ObjectStore.Created first = store.createIfAbsent(ItEnvironment.OUTPUTS, key, new byte[] {1, 2, 3}, "image/png",
                Map.of("request-id", "r-1", "width", "3"));
        assertThat(first.created()).isTrue();
        assertThat(first.etag()).isNotBlank();
        ObjectStore.Created second = store.createIfAbsent(ItEnvironment.OUTPUTS, key, new byte[] {9}, "image/png",
                Map.of("request-id", "r-2"));
        assertThat(second).isEqualTo(ObjectStore.Created.ALREADY_EXISTS);

        ObjectStore.StoredObject head = store.head(ItEnvironment.OUTPUTS, key).orElseThrow();
        assertThat(head.metadata()).containsEntry("request-id", "r-1").containsEntry("width", "3");
        assertThat(head.contentType()).isEqualTo("image/png");
        assertThat(head.contentLength()).isEqualTo(3);
        assertThat(head.etag()).isEqualTo(first.etag());
        assertThat(store.head(ItEnvironment.OUTPUTS, key + ".absent")).isEmpty();
    }

    @Test
    void everyCallNamesTheExpectedBucketOwnerWhenOneIsConfigured() {
        List<SdkHttpRequest> sent = new CopyOnWriteArrayList<>();
        ExecutionInterceptor recorder = new ExecutionInterceptor() {
            @Override
            public void beforeTransmission(Context.BeforeTransmission context, ExecutionAttributes attributes) {
                sent.add(context.httpRequest());
            }
        };
        S3ObjectStore.Settings cfg = storage("123456789012");
        try (S3Client client = ItEnvironment.s3proxy().clientBuilder()
                .overrideConfiguration(o -> o.addExecutionInterceptor(recorder)).build()) {
            S3ObjectStore store = new S3ObjectStore(client, cfg);
            String key = "conditional/owner-" + System.nanoTime() + ".png";
            store.createIfAbsent(ItEnvironment.OUTPUTS, key, new byte[] {1}, "image/png", Map.of());
            store.head(ItEnvironment.OUTPUTS, key);
            store.get(ItEnvironment.OUTPUTS, key, null, 100);
            store.exists(ItEnvironment.OUTPUTS, key);
        }
        assertThat(sent).hasSize(4).allSatisfy(r -> assertThat(r.firstMatchingHeader("x-amz-expected-bucket-owner"))
                .as(r.method() + " " + r.encodedPath()).contains("123456789012"));

        // and without the setting, no call carries the header
        sent.clear();
        try (S3Client client = ItEnvironment.s3proxy().clientBuilder()
                .overrideConfiguration(o -> o.addExecutionInterceptor(recorder)).build()) {
            new S3ObjectStore(client, storage(null)).exists(ItEnvironment.OUTPUTS, "conditional/none");
        }
        assertThat(sent).hasSize(1).allSatisfy(r -> assertThat(r.firstMatchingHeader("x-amz-expected-bucket-owner"))
                .isEmpty());
    }

    private static S3ObjectStore.Settings storage(String owner) {
        WorkerProperties.Storage s = new WorkerProperties.Storage();
        s.setExpectedBucketOwner(owner);
        return s.toS3Settings();
    }
}
