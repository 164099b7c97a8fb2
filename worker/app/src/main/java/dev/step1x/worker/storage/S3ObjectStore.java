package dev.step1x.worker.storage;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.model.DeleteObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectRequest;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.PutObjectResponse;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.ServerSideEncryption;

/**
 * {@link ObjectStore} on the AWS SDK v2 synchronous S3 client. Every call names the expected bucket owner when
 * {@code worker.storage.expected-bucket-owner} is set (S3 then refuses, with 403, a bucket of another account,
 * e.g. one re-created under the same name by someone else). The client makes one attempt per call: retries
 * are Resilience4j's, one layer, so that the per-bucket circuit breakers see every attempt (docs/stack.md).
 */
public final class S3ObjectStore implements ObjectStore, AutoCloseable {

    /**
     * The client and write settings ({@code worker.storage.*}).
     *
     * @param endpoint endpoint override for S3-compatible stores, or null for AWS
     * @param accessKey static credentials, or null for the SDK's default chain
     * @param checksumsWhenRequired send and validate checksums only when the API requires them
     * @param callTimeout one API call (one attempt: the SDK's own retries are off)
     * @param sse server-side encryption of outputs (AES256, aws:kms) or null
     * @param sseKmsKeyId the KMS key with aws:kms, or null
     * @param expectedBucketOwner the AWS account id that must own every bucket called, or null: not checked
     */
    public record Settings(URI endpoint, String region, boolean pathStyle, String accessKey, String secretKey,
            boolean checksumsWhenRequired, Duration callTimeout, String sse, String sseKmsKeyId,
            String expectedBucketOwner) {}

    private final S3Client s3;
    private final Settings cfg;

    public S3ObjectStore(S3Client s3, Settings cfg) {
        this.s3 = s3;
        this.cfg = cfg;
    }

    /**
     * A client from the properties: endpoint override and path style for local stores, static credentials
     * when given (else the default chain: env, profile, web identity / pod identity, instance role).
     */
    public static S3Client client(Settings cfg) {
        S3ClientBuilder b = S3Client.builder()
                .region(Region.of(cfg.region()))
                .serviceConfiguration(S3Configuration.builder().pathStyleAccessEnabled(cfg.pathStyle()).build())
                // one attempt per call: Resilience4j's retry (with jitter) is the only retry layer
                .overrideConfiguration(o -> o.apiCallTimeout(cfg.callTimeout())
                        .retryStrategy(AwsRetryStrategy.doNotRetry()));
        if (cfg.endpoint() != null) {
            b.endpointOverride(cfg.endpoint());
        }
        AwsCredentialsProvider creds = cfg.accessKey() != null && !cfg.accessKey().isBlank()
                ? StaticCredentialsProvider.create(AwsBasicCredentials.create(cfg.accessKey(), cfg.secretKey()))
                : DefaultCredentialsProvider.builder().build();
        b.credentialsProvider(creds);
        if (cfg.checksumsWhenRequired()) {
            b.requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                    .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED);
        }
        return b.build();
    }

    @Override
    public byte[] get(String bucket, String key, String versionId, long maxBytes) {
        GetObjectRequest.Builder req = GetObjectRequest.builder().bucket(bucket).key(key)
                .expectedBucketOwner(owner());
        if (versionId != null) {
            req.versionId(versionId);
        }
        try (ResponseInputStream<GetObjectResponse> in = s3.getObject(req.build())) {
            Long length = in.response().contentLength();
            if (length != null && length > maxBytes) {
                in.abort();
                throw new StorageException(StorageException.Kind.TOO_LARGE, "s3://" + bucket + "/" + key + " is "
                        + length + " bytes, more than the limit of " + maxBytes, null);
            }
            return readAtMost(in, maxBytes, bucket, key);
        } catch (SdkException e) {
            throw classify(e, "GET s3://" + bucket + "/" + key);
        } catch (IOException e) {
            throw new StorageException(StorageException.Kind.TRANSIENT, "GET s3://" + bucket + "/" + key + ": " + e, e);
        }
    }

    @Override
    public boolean exists(String bucket, String key) {
        return head(bucket, key).isPresent();
    }

    @Override
    public Optional<StoredObject> head(String bucket, String key) {
        try {
            HeadObjectResponse r = s3.headObject(HeadObjectRequest.builder().bucket(bucket).key(key)
                    .expectedBucketOwner(owner()).build());
            return Optional.of(new StoredObject(r.eTag(), r.versionId(), r.contentType(),
                    r.contentLength() == null ? -1 : r.contentLength(), lowerCaseKeys(r.metadata())));
        } catch (NoSuchKeyException e) {
            return Optional.empty();
        } catch (SdkException e) {
            StorageException se = classify(e, "HEAD s3://" + bucket + "/" + key);
            if (se.kind() == StorageException.Kind.NOT_FOUND) {
                return Optional.empty();
            }
            throw se;
        }
    }

    @Override
    public Created createIfAbsent(String bucket, String key, byte[] bytes, String contentType,
            Map<String, String> metadata) {
        PutObjectRequest.Builder req = PutObjectRequest.builder().bucket(bucket).key(key).contentType(contentType)
                .contentLength((long) bytes.length).metadata(metadata).ifNoneMatch("*")
                .expectedBucketOwner(owner());
        applySse(req, cfg);
        try {
            PutObjectResponse r = s3.putObject(req.build(), RequestBody.fromBytes(bytes));
            return new Created(true, r.eTag(), r.versionId());
        } catch (S3Exception e) {
            if (e.statusCode() == 412) {
                return Created.ALREADY_EXISTS; // another write created the key first
            }
            if (e.statusCode() == 409) {
                // S3's ConditionalRequestConflict: a concurrent conditional write on the key; asking again settles it
                throw new StorageException(StorageException.Kind.TRANSIENT, "PUT s3://" + bucket + "/" + key
                        + ": HTTP 409, a concurrent conditional write", e);
            }
            throw classify(e, "PUT s3://" + bucket + "/" + key);
        } catch (SdkException e) {
            throw classify(e, "PUT s3://" + bucket + "/" + key);
        }
    }

    @Override
    public void replace(String bucket, String key, byte[] bytes, String contentType, Map<String, String> metadata) {
        PutObjectRequest.Builder req = PutObjectRequest.builder().bucket(bucket).key(key).contentType(contentType)
                .contentLength((long) bytes.length).metadata(metadata).expectedBucketOwner(owner());
        applySse(req, cfg);
        try {
            s3.putObject(req.build(), RequestBody.fromBytes(bytes));
        } catch (SdkException e) {
            throw classify(e, "PUT s3://" + bucket + "/" + key);
        }
    }

    @Override
    public void delete(String bucket, String key) {
        try {
            s3.deleteObject(DeleteObjectRequest.builder().bucket(bucket).key(key).expectedBucketOwner(owner()).build());
        } catch (SdkException e) {
            StorageException se = classify(e, "DELETE s3://" + bucket + "/" + key);
            if (se.kind() != StorageException.Kind.NOT_FOUND) {
                throw se;
            }
        }
    }

    /** The configured expected bucket owner (an AWS account id), or null: the header is then not sent. */
    private String owner() {
        String o = cfg.expectedBucketOwner();
        return o == null || o.isBlank() ? null : o.trim();
    }

    private static Map<String, String> lowerCaseKeys(Map<String, String> m) {
        Map<String, String> out = new java.util.LinkedHashMap<>();
        if (m != null) {
            m.forEach((k, v) -> out.put(k.toLowerCase(java.util.Locale.ROOT), v));
        }
        return out;
    }

    /** Adds the configured server-side encryption headers. */
    static void applySse(PutObjectRequest.Builder req, Settings cfg) {
        String sse = cfg.sse();
        if (sse == null || sse.isBlank()) {
            return;
        }
        req.serverSideEncryption(ServerSideEncryption.fromValue(sse));
        if (cfg.sseKmsKeyId() != null && !cfg.sseKmsKeyId().isBlank()) {
            req.ssekmsKeyId(cfg.sseKmsKeyId());
        }
    }

    private static byte[] readAtMost(InputStream in, long maxBytes, String bucket, String key) throws IOException {
        byte[] bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBytes + 1));
        if (bytes.length > maxBytes) {
            throw new StorageException(StorageException.Kind.TOO_LARGE, "s3://" + bucket + "/" + key
                    + " is larger than the limit of " + maxBytes + " bytes", null);
        }
        return bytes;
    }

    /** Maps an SDK failure onto a {@link StorageException.Kind}. */
    static StorageException classify(SdkException e, String what) {
        if (e instanceof S3Exception s) {
            int status = s.statusCode();
            String msg = what + ": HTTP " + status + " " + (s.awsErrorDetails() == null ? s.getMessage()
                    : s.awsErrorDetails().errorCode() + " " + s.awsErrorDetails().errorMessage());
            if (status == 404 || e instanceof NoSuchKeyException) {
                return new StorageException(StorageException.Kind.NOT_FOUND, msg, e);
            }
            if (status == 403) {
                return new StorageException(StorageException.Kind.ACCESS_DENIED, msg, e);
            }
            if (status >= 500 || status == 429 || status == 408) {
                return new StorageException(StorageException.Kind.TRANSIENT, msg, e);
            }
            return new StorageException(StorageException.Kind.REJECTED, msg, e);
        }
        if (e instanceof SdkClientException) {
            return new StorageException(StorageException.Kind.TRANSIENT, what + ": " + e.getMessage(), e);
        }
        return new StorageException(StorageException.Kind.TRANSIENT, what + ": " + e, e);
    }

    @Override
    public void close() {
        s3.close();
    }
}
