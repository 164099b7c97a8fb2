package dev.step1x.submit;

import dev.step1x.contracts.EditParams;
import dev.step1x.contracts.EditRequest;
import dev.step1x.contracts.ImageFormat;
import dev.step1x.contracts.ModelVersion;
import dev.step1x.contracts.OutputSpec;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

/**
 * One EditRequest from command-line options, so that an edit can be submitted without writing JSON. Names
 * follow {@code bin/step1x-edit edit} where they mean the same thing (--instruction, --negative, --size-level,
 * --steps, --guidance, --seed, --version).
 */
public final class RequestOptions {

    @Option(names = "--instruction", paramLabel = "TEXT", description = "the edit instruction; builds a request from "
            + "these options instead of reading FILE.json")
    String instruction;

    @Option(names = "--input", paramLabel = "s3://BUCKET/KEY", converter = S3Location.Converter.class,
            description = "the image to edit; with --upload, where the file is put (a KEY ending in '/' gets the "
                    + "file's name appended)")
    S3Location input;

    @Option(names = "--previous-request-id", paramLabel = "ID",
            description = "edit the output of this earlier request instead of --input (an edit chain)")
    String previousRequestId;

    @Option(names = "--output-bucket", paramLabel = "BUCKET", description = "bucket the worker writes the result to")
    String outputBucket;

    @Option(names = "--output-prefix", paramLabel = "PREFIX",
            description = "key prefix of the result (the key is PREFIX + requestId + .png/.jpg)")
    String outputPrefix;

    @Option(names = "--format", paramLabel = "png|jpeg", converter = FormatConverter.class,
            description = "output encoding (default png)")
    ImageFormat format;

    @Option(names = "--jpeg-quality", paramLabel = "1-100", description = "JPEG quality (default 90, jpeg only)")
    Integer jpegQuality;

    @Option(names = "--request-id", paramLabel = "ID",
            description = "requestId, the idempotency key (default: submit-<random UUID>)")
    String requestId;

    @Option(names = "--negative", paramLabel = "TEXT", description = "negative prompt (default empty)")
    String negativePrompt;

    @Option(names = "--size-level", paramLabel = "512|768|1024", description = "working resolution (default 1024)")
    Integer sizeLevel;

    @Option(names = "--steps", paramLabel = "N", description = "denoising steps 1-100 (default 28)")
    Integer steps;

    @Option(names = "--guidance", paramLabel = "X", description = "guidance scale 1-20 (default 6.0)")
    Double guidance;

    @Option(names = "--seed", paramLabel = "N", description = "noise seed (default: derived from the requestId)")
    Long seed;

    @Option(names = {"--version", "--model-version"}, paramLabel = "v1.0|v1.1", converter = VersionConverter.class,
            description = "Step1X-Edit checkpoint (default v1.1)")
    ModelVersion modelVersion;

    @Option(names = "--priority", paramLabel = "0-9", description = "higher runs first on a worker (default 5)")
    Integer priority;

    @Option(names = "--deadline", paramLabel = "TIME|DURATION", converter = DeadlineConverter.class,
            description = "answer EXPIRED after this instant: RFC 3339 (2025-06-01T12:00:00Z) or from now (90s, 10m, 2h)")
    Instant deadline;

    @Option(names = "--metadata", paramLabel = "KEY=VALUE", description = "echoed in the result (repeatable)")
    Map<String, String> metadata = new LinkedHashMap<>();

    /** True when any option of this group was given. */
    boolean anyGiven() {
        return instruction != null || input != null || previousRequestId != null || outputBucket != null
                || outputPrefix != null || format != null || jpegQuality != null || requestId != null
                || negativePrompt != null || sizeLevel != null || steps != null || guidance != null || seed != null
                || modelVersion != null || priority != null || deadline != null || !metadata.isEmpty();
    }

    /**
     * The request; {@code uploadName} is the file name of {@code --upload} (or {@code null}), appended to an
     * input key that ends in '/'. Throws {@link IllegalArgumentException} for missing options.
     */
    EditRequest build(String uploadName) {
        if (instruction == null) {
            throw new IllegalArgumentException("--instruction is required to build a request (or give FILE.json)");
        }
        if (outputBucket == null) {
            throw new IllegalArgumentException("--output-bucket is required with --instruction");
        }
        if ((input == null) == (previousRequestId == null)) {
            throw new IllegalArgumentException("give exactly one of --input s3://BUCKET/KEY and --previous-request-id");
        }
        EditRequest.Input in = null;
        if (input != null) {
            String key = input.key();
            if (key.endsWith("/")) {
                if (uploadName == null) {
                    throw new IllegalArgumentException("--input " + input + " names a folder; give the object key "
                            + "(a folder only works with --upload, which appends the file name)");
                }
                key = key + uploadName;
            }
            in = EditRequest.Input.of(input.bucket(), key);
        }
        EditParams params = sizeLevel == null && steps == null && guidance == null && seed == null
                && modelVersion == null ? null : new EditParams(sizeLevel, steps, guidance, seed, modelVersion);
        OutputSpec output = new OutputSpec(outputBucket, outputPrefix, format, jpegQuality);
        String id = requestId != null ? requestId : "submit-" + UUID.randomUUID();
        return new EditRequest(EditRequest.SCHEMA_VERSION, id, previousRequestId, in, instruction, negativePrompt,
                params, output, deadline, priority, metadata.isEmpty() ? null : metadata);
    }

    /** An S3 object (or folder, key ending in '/') as {@code s3://bucket/key}. */
    public record S3Location(String bucket, String key) {

        private static final Pattern URI = Pattern.compile("s3://([^/]+)/(.+)");

        public static S3Location parse(String value) {
            Matcher m = URI.matcher(value);
            if (!m.matches()) {
                throw new IllegalArgumentException("'" + value + "' is not s3://BUCKET/KEY");
            }
            return new S3Location(m.group(1), m.group(2));
        }

        @Override
        public String toString() {
            return "s3://" + bucket + "/" + key;
        }

        static final class Converter implements ITypeConverter<S3Location> {
            @Override
            public S3Location convert(String value) {
                try {
                    return parse(value);
                } catch (IllegalArgumentException e) {
                    throw new TypeConversionException(e.getMessage());
                }
            }
        }
    }

    static final class FormatConverter implements ITypeConverter<ImageFormat> {
        @Override
        public ImageFormat convert(String value) {
            String v = value.toLowerCase(Locale.ROOT);
            try {
                return ImageFormat.fromWire(v.equals("jpg") ? "jpeg" : v);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException("'" + value + "' is not png or jpeg");
            }
        }
    }

    static final class VersionConverter implements ITypeConverter<ModelVersion> {
        @Override
        public ModelVersion convert(String value) {
            try {
                return ModelVersion.fromWire(value.startsWith("v") ? value : "v" + value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException("'" + value + "' is not v1.0 or v1.1");
            }
        }
    }

    /** An RFC 3339 instant, an ISO-8601 duration (PT10M) or a number with s, m, h or d, from now. */
    static final class DeadlineConverter implements ITypeConverter<Instant> {
        private static final Pattern SHORT = Pattern.compile("(\\d+)([smhd])");

        @Override
        public Instant convert(String value) {
            Matcher m = SHORT.matcher(value);
            if (m.matches()) {
                long n = Long.parseLong(m.group(1));
                Duration d = switch (m.group(2)) {
                    case "s" -> Duration.ofSeconds(n);
                    case "m" -> Duration.ofMinutes(n);
                    case "h" -> Duration.ofHours(n);
                    default -> Duration.ofDays(n);
                };
                return Instant.now().plus(d).truncatedTo(ChronoUnit.SECONDS);
            }
            try {
                if (value.startsWith("P") || value.startsWith("p")) {
                    return Instant.now().plus(Duration.parse(value)).truncatedTo(ChronoUnit.SECONDS);
                }
                return OffsetDateTime.parse(value).toInstant();
            } catch (DateTimeParseException e) {
                throw new TypeConversionException("'" + value + "' is neither an RFC 3339 time with offset "
                        + "(2025-06-01T12:00:00Z) nor a duration (90s, 10m, 2h, PT1H)");
            }
        }
    }
}
