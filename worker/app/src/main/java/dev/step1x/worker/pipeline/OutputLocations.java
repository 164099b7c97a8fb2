package dev.step1x.worker.pipeline;

import dev.step1x.contracts.EditRequest;
import dev.step1x.contracts.ErrorCode;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where a request may write its output: the output bucket must be on {@code worker.storage.allowed-output-buckets}
 * and the key prefix must start with one of the bucket's {@code worker.storage.output-prefixes} (a bucket without
 * an entry takes any prefix). A prefix with a {@code .} or {@code ..} path segment is refused everywhere: some
 * tools and S3-compatible servers normalise such keys into another place. Checked before any S3 call is made
 * for the request, so that a producer cannot even probe a place it may not write to.
 */
public final class OutputLocations {

    private static final Logger log = LoggerFactory.getLogger(OutputLocations.class);

    /**
     * @param allowedOutputBuckets buckets outputs may be written to ("*": any)
     * @param outputPrefixes key prefixes allowed per output bucket (a bucket without an entry takes any prefix)
     */
    public record Settings(List<String> allowedOutputBuckets, Map<String, List<String>> outputPrefixes) {}

    private final List<String> buckets;
    private final Map<String, List<String>> prefixes = new LinkedHashMap<>();

    public OutputLocations(Settings settings) {
        this.buckets = List.copyOf(settings.allowedOutputBuckets());
        settings.outputPrefixes().forEach((bucket, list) -> prefixes.put(bucket,
                list.stream().map(String::trim).filter(p -> !p.isEmpty()).toList()));
        for (String b : buckets) {
            if (!b.equals("*") && !prefixes.containsKey(b)) {
                log.warn("output bucket {} has no key-prefix allow-list: requests may write anywhere in it (set "
                        + "worker.storage.output-prefixes.{}=...)", b, b);
            }
        }
    }

    /** Why the request may not write its output where it asks, or null when it may. */
    public RequestFailure refuse(EditRequest r) {
        String bucket = r.output().bucket();
        if (!buckets.contains("*") && !buckets.contains(bucket)) {
            return new RequestFailure(ErrorCode.BUCKET_NOT_ALLOWED, "output bucket '" + bucket
                    + "' is not on this worker's allow-list");
        }
        String prefix = r.output().keyPrefix() == null ? "" : r.output().keyPrefix();
        for (String segment : prefix.split("/", -1)) {
            if (segment.equals(".") || segment.equals("..")) {
                return new RequestFailure(ErrorCode.OUTPUT_PREFIX_NOT_ALLOWED, "output keyPrefix '" + prefix
                        + "' has a '" + segment + "' path segment");
            }
        }
        List<String> allowed = prefixes.get(bucket);
        if (allowed != null && allowed.stream().noneMatch(prefix::startsWith)) {
            return new RequestFailure(ErrorCode.OUTPUT_PREFIX_NOT_ALLOWED, "output keyPrefix '" + prefix
                    + "' is not allowed in bucket '" + bucket + "' (allowed prefixes: " + allowed + ")");
        }
        return null;
    }
}
