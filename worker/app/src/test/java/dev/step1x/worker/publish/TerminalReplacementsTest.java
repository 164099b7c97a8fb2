package dev.step1x.worker.publish;

import static org.assertj.core.api.Assertions.assertThat;

import dev.step1x.contracts.ContractJson;
import dev.step1x.contracts.ContractValidator;
import dev.step1x.contracts.EditResult;
import dev.step1x.contracts.ErrorCode;
import dev.step1x.contracts.Headers;
import dev.step1x.contracts.ModelVersion;
import dev.step1x.contracts.ResultStatus;
import dev.step1x.contracts.Timings;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.Map;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.junit.jupiter.api.Test;
import org.springframework.messaging.Message;

/** What the sink sends instead of a record the producer refused for good. */
class TerminalReplacementsTest {

    private static final int LIMIT = 1_048_576;

    @Test
    void aTooLargeDeadLetterIsCutToFitAndSaysSo() {
        byte[] value = new byte[1_200_000];
        Arrays.fill(value, (byte) 'x');
        DeadLetter d = new DeadLetter(value, "req-1".getBytes(StandardCharsets.UTF_8),
                Map.of(Headers.REQUEST_ID, "req-1".getBytes(StandardCharsets.UTF_8)), ErrorCode.INVALID_REQUEST,
                "r".repeat(5000), "image-edit.requests", 3, 42, 1_700_000_000_000L);
        Message<byte[]> m = new DeadLetterMessages("w1", LIMIT).truncated(d, value);

        int headerBytes = m.getHeaders().entrySet().stream()
                .mapToInt(e -> e.getKey().length() + (e.getValue() instanceof byte[] b ? b.length : 32)).sum();
        assertThat(m.getPayload().length + headerBytes).as("fits under the producer's limit").isLessThan(LIMIT);
        assertThat(m.getPayload().length).as("keeps as much of the record as fits").isGreaterThan(LIMIT - 16_384);
        assertThat(Arrays.equals(m.getPayload(), 0, m.getPayload().length, value, 0, m.getPayload().length)).isTrue();
        assertThat(text(m, Headers.DLQ_TRUNCATED)).isEqualTo("true");
        assertThat(text(m, Headers.DLQ_ORIGINAL_SIZE)).isEqualTo("1200000");
        assertThat(text(m, Headers.DLQ_ORIGINAL_SHA256)).isEqualTo(DeadLetterMessages.sha256(value)).hasSize(64);
        assertThat(text(m, Headers.DLQ_REASON)).as("the reason is kept (cut to 4000 characters)").hasSize(4000);
        assertThat(text(m, Headers.ORIGINAL_OFFSET)).isEqualTo("42");
        assertThat(text(m, Headers.REQUEST_ID)).isEqualTo("req-1");
    }

    @Test
    void anUntruncatedDeadLetterHasNoTruncationHeaders() {
        DeadLetter d = new DeadLetter(new byte[10], null, Map.of(), ErrorCode.UNPARSEABLE_REQUEST, "bad", "t", 0, 1, 2);
        Message<byte[]> m = new DeadLetterMessages("w1", LIMIT).message(d, d.value(), false);
        assertThat(m.getHeaders()).doesNotContainKey(Headers.DLQ_TRUNCATED).doesNotContainKey(Headers.DLQ_ORIGINAL_SIZE);
    }

    @Test
    void anUnpublishableResultBecomesAValidNonRetryableFailedResult() {
        EditResult original = EditResult.unsuccessful("req-2", ErrorCode.INVALID_REQUEST, "steps: must be at most 100",
                new Timings(null, null, null, null, null, null, null, null, null, 12.0), null,
                new EditResult.WorkerInfo("w1", ModelVersion.fromWire("v1.1"), "cpu", "0.1", true), 1,
                Instant.parse("2026-01-01T00:00:00Z"), Map.of("tenant", "acme"));
        PublishFailure tooLarge = PublishFailure.classify(new RecordTooLargeException("1200000 bytes"));

        byte[] json = UnpublishableResult.replacement("req-2", ContractJson.toBytes(original), tooLarge);

        EditResult failed = ContractJson.mapper().readValue(json, EditResult.class);
        assertThat(ContractValidator.shared().validateValue(failed).valid()).isTrue();
        assertThat(failed.requestId()).isEqualTo("req-2");
        assertThat(failed.status()).isEqualTo(ResultStatus.FAILED);
        assertThat(failed.error().code()).isEqualTo(ErrorCode.INTERNAL_ERROR);
        assertThat(failed.error().retryable()).isFalse();
        assertThat(failed.error().message()).contains("could not publish", "RecordTooLargeException");
        assertThat(failed.metadata()).isNull();
        assertThat(failed.worker().id()).isEqualTo("w1");
    }

    @Test
    void garbageCannotBeReplaced() {
        PublishFailure tooLarge = PublishFailure.classify(new RecordTooLargeException("x"));
        assertThat(UnpublishableResult.replacement("req-3", "not json".getBytes(StandardCharsets.UTF_8), tooLarge))
                .isNull();
    }

    private static String text(Message<byte[]> m, String header) {
        return new String((byte[]) m.getHeaders().get(header), StandardCharsets.UTF_8);
    }
}
