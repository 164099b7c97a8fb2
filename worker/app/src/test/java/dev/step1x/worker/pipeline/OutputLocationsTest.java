package dev.step1x.worker.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.step1x.contracts.EditRequest;
import dev.step1x.contracts.ErrorCode;
import dev.step1x.contracts.OutputSpec;
import dev.step1x.worker.config.WorkerProperties;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OutputLocationsTest {

    static EditRequest to(String bucket, String prefix) {
        return new EditRequest(1, "r-1", null, new EditRequest.Input("inputs", "a.png", null), "x", null, null,
                new OutputSpec(bucket, prefix, null, null), null, null, null).withDefaults();
    }

    static OutputLocations locations(List<String> buckets, Map<String, List<String>> prefixes) {
        WorkerProperties.Storage s = new WorkerProperties.Storage();
        s.setAllowedOutputBuckets(buckets);
        s.setOutputPrefixes(prefixes);
        return new OutputLocations(s.toOutputLocationSettings());
    }

    @Test
    void aBucketWithPrefixesTakesOnlyKeysUnderThem() {
        OutputLocations l = locations(List.of("media-out", "scratch"), Map.of("media-out", List.of("edits/", " tmp/")));
        assertThat(l.refuse(to("media-out", "edits/"))).isNull();
        assertThat(l.refuse(to("media-out", "edits/2025/06/"))).isNull();
        assertThat(l.refuse(to("media-out", "tmp/x-"))).isNull();
        RequestFailure f = l.refuse(to("media-out", "public/"));
        assertThat(f.code()).isEqualTo(ErrorCode.OUTPUT_PREFIX_NOT_ALLOWED);
        assertThat(f.getMessage()).isEqualTo("output keyPrefix 'public/' is not allowed in bucket 'media-out' "
                + "(allowed prefixes: [edits/, tmp/])");
        assertThat(l.refuse(to("media-out", "")).code()).isEqualTo(ErrorCode.OUTPUT_PREFIX_NOT_ALLOWED);
        // a bucket without an entry takes any prefix
        assertThat(l.refuse(to("scratch", "anything/at/all-"))).isNull();
    }

    @Test
    void theBucketAllowListComesFirstAndDotSegmentsAreRefusedEverywhere() {
        OutputLocations l = locations(List.of("media-out"), Map.of("media-out", List.of("edits/")));
        RequestFailure bucket = l.refuse(to("elsewhere", "edits/"));
        assertThat(bucket.code()).isEqualTo(ErrorCode.BUCKET_NOT_ALLOWED);
        assertThat(bucket.getMessage()).contains("'elsewhere'");
        assertThat(l.refuse(to("media-out", "edits/../secrets/")).getMessage())
                .isEqualTo("output keyPrefix 'edits/../secrets/' has a '..' path segment");
        assertThat(l.refuse(to("media-out", "edits/./")).code()).isEqualTo(ErrorCode.OUTPUT_PREFIX_NOT_ALLOWED);
        OutputLocations any = locations(List.of("*"), Map.of());
        assertThat(any.refuse(to("whatever", "../up/"))).isNotNull();
        assertThat(any.refuse(to("whatever", "a..b/c.d/"))).isNull();
    }
}
