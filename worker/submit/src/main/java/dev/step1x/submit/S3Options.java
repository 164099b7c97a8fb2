package dev.step1x.submit;

import java.net.URI;
import java.util.Map;
import picocli.CommandLine.Option;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.ProfileCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.regions.providers.DefaultAwsRegionProviderChain;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.S3Configuration;

/**
 * The S3 side of {@code bin/step1x-submit} (uploading the input, downloading outputs): AWS S3 with the default
 * credential and region chains, or an S3-compatible server ({@code --s3-endpoint}, path-style) with static keys.
 */
public final class S3Options {

    @Option(names = "--aws-profile", paramLabel = "NAME",
            description = "AWS profile for S3 and AWS_MSK_IAM (default: the default credential chain, $AWS_PROFILE)")
    String awsProfile;

    @Option(names = "--s3-endpoint", paramLabel = "URL",
            description = "S3-compatible server (MinIO, S3Proxy, ...), addressed path-style; default: AWS S3")
    URI endpoint;

    @Option(names = "--region", paramLabel = "REGION",
            description = "S3 region (default: $AWS_REGION, the AWS profile's region, else us-east-1 with --s3-endpoint)")
    String region;

    @Option(names = "--s3-access-key", paramLabel = "KEY",
            description = "static access key, e.g. for a local server (default: the AWS credential chain)")
    String accessKey;

    @Option(names = "--s3-secret-key", paramLabel = "SECRET",
            description = "static secret key, with --s3-access-key (default: $STEP1X_S3_SECRET_KEY)")
    String secretKey;

    public static final String ENV_SECRET_KEY = "STEP1X_S3_SECRET_KEY";

    /** Checks the options without contacting anything; throws {@link IllegalArgumentException} (usage). */
    void check(Map<String, String> env) {
        if (endpoint != null && (endpoint.getScheme() == null || endpoint.getHost() == null
                || !(endpoint.getScheme().equals("http") || endpoint.getScheme().equals("https")))) {
            throw new IllegalArgumentException("--s3-endpoint must be an http(s) URL such as http://127.0.0.1:9000, got '"
                    + endpoint + "'");
        }
        String secret = secretKey != null ? secretKey : env.get(ENV_SECRET_KEY);
        if ((accessKey == null) != (secret == null || secret.isBlank())) {
            throw new IllegalArgumentException("--s3-access-key and --s3-secret-key go together");
        }
    }

    /** A synchronous client; {@code awsProfile} names the AWS profile ({@code null}: the default chain). */
    public S3Client client(Map<String, String> env, String awsProfile) {
        check(env);
        S3ClientBuilder b = S3Client.builder().region(resolveRegion(awsProfile));
        AwsCredentialsProvider creds;
        if (accessKey != null) {
            String secret = secretKey != null ? secretKey : env.get(ENV_SECRET_KEY);
            creds = StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKey, secret));
        } else if (awsProfile != null) {
            creds = ProfileCredentialsProvider.create(awsProfile);
        } else {
            creds = DefaultCredentialsProvider.builder().build();
        }
        b.credentialsProvider(creds);
        if (endpoint != null) {
            // S3-compatible servers: path-style addressing, checksums only where the API requires them
            b.endpointOverride(endpoint)
                    .serviceConfiguration(S3Configuration.builder().pathStyleAccessEnabled(true).build())
                    .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                    .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED);
        }
        return b.build();
    }

    private Region resolveRegion(String awsProfile) {
        if (region != null && !region.isBlank()) {
            return Region.of(region);
        }
        try {
            DefaultAwsRegionProviderChain.Builder chain = DefaultAwsRegionProviderChain.builder();
            if (awsProfile != null) {
                chain.profileName(awsProfile);
            }
            return chain.build().getRegion();
        } catch (SdkClientException e) {
            if (endpoint != null) {
                return Region.US_EAST_1; // S3-compatible servers rarely care
            }
            throw new IllegalArgumentException("no AWS region for S3: pass --region or set AWS_REGION");
        }
    }
}
