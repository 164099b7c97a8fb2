package dev.step1x.worker.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.step1x.contracts.ContractValidator;
import dev.step1x.contracts.EditRequest;
import dev.step1x.contracts.ErrorCode;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The checks made after the output lookup: input allow-list, deadline, served versions. */
class RequestPolicyTest {

    static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");

    final RequestPolicy policy = new RequestPolicy(new RequestPolicy.Settings(List.of("inputs"), List.of("v1.1")),
            Clock.fixed(NOW, ZoneOffset.UTC));

    static EditRequest request(String inputBucket, String version, String deadline) {
        String json = """
                {"schemaVersion":1,"requestId":"p-1","input":{"bucket":"%s","key":"a.png"},"instruction":"x",
                 "params":{"modelVersion":"%s"},"output":{"bucket":"outputs","keyPrefix":"e/"}%s}
                """.formatted(inputBucket, version, deadline == null ? "" : ",\"deadline\":\"" + deadline + "\"");
        return ContractValidator.shared().parseRequest(json.getBytes(StandardCharsets.UTF_8)).orElseThrow()
                .withDefaults();
    }

    @Test
    void eachCheckRefusesWithItsOwnCode() {
        assertThat(policy.refuse(request("inputs", "v1.1", null))).isNull();
        assertThat(policy.refuse(request("inputs", "v1.1", NOW.plusSeconds(1).toString()))).isNull();
        RequestFailure bucket = policy.refuse(request("elsewhere", "v1.1", null));
        assertThat(bucket.code()).isEqualTo(ErrorCode.BUCKET_NOT_ALLOWED);
        assertThat(bucket.getMessage()).isEqualTo("input bucket 'elsewhere' is not on this worker's allow-list");
        RequestFailure late = policy.refuse(request("inputs", "v1.1", NOW.toString()));
        assertThat(late.code()).isEqualTo(ErrorCode.DEADLINE_EXCEEDED);
        RequestFailure version = policy.refuse(request("inputs", "v1.0", null));
        assertThat(version.code()).isEqualTo(ErrorCode.MODEL_VERSION_UNAVAILABLE);
        assertThat(version.getMessage()).contains("v1.0").contains("[v1.1]");
    }

    @Test
    void aStarAllowsEveryInputBucket() {
        RequestPolicy any = new RequestPolicy(new RequestPolicy.Settings(List.of("*"), List.of("v1.1")),
                Clock.fixed(NOW, ZoneOffset.UTC));
        assertThat(any.refuse(request("whatever", "v1.1", null))).isNull();
    }

    @Test
    void anAdapterMustBeAReadyCatalogEntry(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp) throws Exception {
        java.nio.file.Path file = java.nio.file.Files.writeString(tmp.resolve("style.safetensors"), "x");
        dev.step1x.worker.engine.AdapterCatalog catalog = dev.step1x.worker.engine.AdapterCatalog.resolve(
                java.util.Map.of("style", file.toString(), "gone", tmp.resolve("gone.safetensors").toString()), tmp,
                (b, k) -> null, null);
        RequestPolicy withAdapters = new RequestPolicy(new RequestPolicy.Settings(List.of("inputs"), List.of("v1.1"),
                catalog), Clock.fixed(NOW, ZoneOffset.UTC));
        assertThat(withAdapters.refuse(adapter("style"))).isNull();
        RequestFailure unknown = withAdapters.refuse(adapter("oil-paint"));
        assertThat(unknown.code()).isEqualTo(ErrorCode.ADAPTER_UNKNOWN);
        assertThat(unknown.getMessage()).contains("'oil-paint'").contains("known: gone, style");
        RequestFailure gone = withAdapters.refuse(adapter("gone"));
        assertThat(gone.code()).isEqualTo(ErrorCode.ADAPTER_INCOMPATIBLE);
        assertThat(gone.getMessage()).contains("no such file");
        assertThat(policy.refuse(adapter("style")).code()).as("no catalog: every name is unknown")
                .isEqualTo(ErrorCode.ADAPTER_UNKNOWN);
    }

    static EditRequest adapter(String name) {
        String json = """
                {"schemaVersion":1,"requestId":"p-2","input":{"bucket":"inputs","key":"a.png"},"instruction":"x",
                 "params":{"adapter":{"name":"%s"}},"output":{"bucket":"outputs"}}
                """.formatted(name);
        return ContractValidator.shared().parseRequest(json.getBytes(StandardCharsets.UTF_8)).orElseThrow()
                .withDefaults();
    }
}
