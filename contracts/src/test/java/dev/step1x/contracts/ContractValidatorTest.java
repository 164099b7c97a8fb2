package dev.step1x.contracts;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;

class ContractValidatorTest {

    private static final ContractValidator VALIDATOR = ContractValidator.shared();

    private static final String MINIMAL = """
            {"schemaVersion":1,"requestId":"req-0001","input":{"bucket":"media-in","key":"photos/cat.png"},
             "instruction":"Make the sky purple","output":{"bucket":"media-out"}}""";

    /** {@link #MINIMAL} with {@code "instruction"} replaced. */
    private static String withInstruction(String instruction) {
        return MINIMAL.replace("\"Make the sky purple\"", ContractJson.toJson(instruction));
    }

    @Test
    void reportsEveryViolationOfOneMessage() {
        String json = """
                {"schemaVersion":1,"requestId":"bad id!","input":{"bucket":"media-in","key":"a.png"},
                 "instruction":"","params":{"steps":0,"sizeLevel":500,"guidanceScale":30,"modelVersion":"v3"},
                 "output":{"bucket":"media-out","format":"gif"},"deadline":"soon","extra":true}""";
        ValidationResult result = VALIDATOR.validate(MessageKind.REQUEST, json);

        assertThat(result.outcome()).isEqualTo(ValidationResult.Outcome.INVALID);
        assertThat(result.paths()).containsExactlyInAnyOrder(
                "$.requestId", "$.instruction", "$.params.steps", "$.params.sizeLevel",
                "$.params.guidanceScale", "$.params.modelVersion", "$.output.format", "$.deadline", "$.extra");
        assertThat(result.violations()).allSatisfy(v -> assertThat(v.message()).startsWith(v.path() + ": "));
        assertThat(result.requestId()).isEmpty(); // "bad id!" is not usable as a key
        assertThat(result.summary(10_000)).contains("$.params.steps").contains("$.extra");
    }

    @Test
    void anEmptyObjectIsInvalidNotUnparseable() {
        ValidationResult result = VALIDATOR.validate(MessageKind.REQUEST, "{}");
        assertThat(result.outcome()).isEqualTo(ValidationResult.Outcome.INVALID);
        assertThat(result.paths()).containsExactlyInAnyOrder(
                "$.schemaVersion", "$.requestId", "$.instruction", "$.output", "$.input");
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "", "   \n", "not json", "{\"schemaVersion\":1,", "[]", "[" + "{\"schemaVersion\":1}" + "]",
            "\"a string\"", "42", "true", "null", "{\"requestId\":\"a\"} trailing",
            "{\"requestId\":\"a\",\"requestId\":\"b\"}", "{'requestId':'a'}", "{\"a\":NaN}"})
    void nonObjectsAreUnparseable(String payload) {
        for (MessageKind kind : MessageKind.values()) {
            ValidationResult result = VALIDATOR.validate(kind, payload);
            assertThat(result.outcome()).as("%s as %s", payload, kind).isEqualTo(ValidationResult.Outcome.UNPARSEABLE);
            assertThat(result.unparseable()).isTrue();
            assertThat(result.valid()).isFalse();
            assertThat(result.violations()).singleElement().satisfies(v -> {
                assertThat(v.path()).isEqualTo("$");
                assertThat(v.keyword()).isEqualTo(Violation.UNPARSEABLE);
                assertThat(v.message()).startsWith("$: ").hasSizeGreaterThan(5);
            });
            assertThat(result.errorCode()).contains(ErrorCode.UNPARSEABLE_REQUEST);
            assertThat(result.requestId()).isEmpty();
            // the byte[] entry point classifies the same way
            assertThat(VALIDATOR.validate(kind, payload.getBytes(StandardCharsets.UTF_8)).outcome())
                    .isEqualTo(ValidationResult.Outcome.UNPARSEABLE);
        }
    }

    @Test
    void nullPayloadAndBrokenUtf8AreUnparseable() {
        assertThat(VALIDATOR.validate(MessageKind.REQUEST, (byte[]) null).unparseable()).isTrue();
        assertThat(VALIDATOR.validate(MessageKind.REQUEST, (String) null).unparseable()).isTrue();
        byte[] broken = MINIMAL.replace("Make", "M\u0000ke").getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < broken.length; i++) {
            if (broken[i] == 0) {
                broken[i] = (byte) 0xFF; // never valid in UTF-8
            }
        }
        ValidationResult result = VALIDATOR.validate(MessageKind.REQUEST, broken);
        assertThat(result.unparseable()).as(result.toString()).isTrue();
        assertThat(VALIDATOR.parseRequest(broken).value()).isEmpty();
    }

    @Test
    void requestIdOfAnInvalidRequestIsStillUsable() {
        ValidationResult result = VALIDATOR.validate(MessageKind.REQUEST, MINIMAL.replace("\"media-out\"", "\"X\""));
        assertThat(result.outcome()).isEqualTo(ValidationResult.Outcome.INVALID);
        assertThat(result.requestId()).contains("req-0001");
        assertThat(VALIDATOR.validate(MessageKind.REQUEST, MINIMAL).requestId()).contains("req-0001");
    }

    @Test
    void dateTimeFormatIsAsserted() {
        String base = MINIMAL.replace("\"instruction\"", "\"deadline\":\"%s\",\"instruction\"");
        assertThat(VALIDATOR.validate(MessageKind.REQUEST, base.formatted("2025-06-01T12:00:00Z")).valid()).isTrue();
        assertThat(VALIDATOR.validate(MessageKind.REQUEST, base.formatted("2025-06-01T20:00:00.5+08:00")).valid())
                .isTrue();
        for (String bad : List.of("2025-06-01", "2025-06-01T12:00:00", "12:00:00Z", "2025-06-01T25:00:00Z", "x")) {
            ValidationResult result = VALIDATOR.validate(MessageKind.REQUEST, base.formatted(bad));
            assertThat(result.violations()).as(bad).singleElement().satisfies(v -> {
                assertThat(v.path()).isEqualTo("$.deadline");
                assertThat(v.keyword()).isEqualTo("format");
            });
        }
    }

    @Test
    void deadlineWithOffsetParsesToTheSameInstant() {
        String json = MINIMAL.replace("\"instruction\"", "\"deadline\":\"2025-06-01T20:00:00+08:00\",\"instruction\"");
        EditRequest request = VALIDATOR.parseRequest(json).orElseThrow();
        assertThat(request.deadline()).isEqualTo(Instant.parse("2025-06-01T12:00:00Z"));
    }

    @Test
    void integralNumbersWrittenWithAFractionAreIntegers() {
        String json = MINIMAL.replace("\"output\"", "\"params\":{\"steps\":28.0,\"sizeLevel\":512.0},\"output\"");
        EditRequest request = VALIDATOR.parseRequest(json).orElseThrow();
        assertThat(request.params().steps()).isEqualTo(28);
        assertThat(request.params().sizeLevel()).isEqualTo(512);
    }

    @Test
    void lengthsAreCountedInCodePoints() {
        String emoji = "\uD83D\uDE00"; // one code point, two UTF-16 units
        ValidationResult ok = VALIDATOR.validate(MessageKind.REQUEST, withInstruction(emoji.repeat(2000)));
        assertThat(ok.violations()).isEmpty();
        ValidationResult tooLong = VALIDATOR.validate(MessageKind.REQUEST, withInstruction(emoji.repeat(2001)));
        assertThat(tooLong.paths()).containsExactly("$.instruction");
    }

    @Test
    void aForbiddenMemberExplainsWhy() {
        String both = MINIMAL.replace("\"instruction\"", "\"previousRequestId\":\"req-0000\",\"instruction\"");
        ValidationResult result = VALIDATOR.validate(MessageKind.REQUEST, both);
        assertThat(result.violations()).singleElement().satisfies(v -> {
            assertThat(v.path()).isEqualTo("$.input");
            assertThat(v.message()).contains("'input' is not allowed").contains("previousRequestId");
            assertThat(v.schemaLocation()).endsWith("#/then/properties/input/false");
        });
    }

    @Test
    void builtResultsValidateBeforePublishing() {
        EditRequest request = VALIDATOR.parseRequest(Examples.valid("request-full.json")).orElseThrow();
        EditResult.WorkerInfo worker = new EditResult.WorkerInfo("w-1", ModelVersion.V1_1, "cpu", "0.1.0");
        EditResult.OutputRef output = new EditResult.OutputRef("media-out", request.outputKey(), "\"abc\"",
                "0".repeat(64), 640, 480, ImageFormat.JPEG.contentType());
        EditResult ok = EditResult.succeeded(request, output, Timings.NONE,
                new EditResult.BatchInfo(1, "v1.0:640x480:40"), worker, 1, Instant.parse("2025-06-01T12:00:00Z"));
        assertThat(VALIDATOR.validateValue(ok).violations()).isEmpty();
        assertThat(ok.metadata()).isEqualTo(request.metadata());

        String huge = "x".repeat(20_000);
        EditResult failed = EditResult.unsuccessful(request.requestId(), ErrorCode.STORAGE_UNAVAILABLE, huge,
                null, null, worker, 2, Instant.now(), request.metadata());
        assertThat(failed.status()).isEqualTo(ResultStatus.FAILED);
        assertThat(failed.error().retryable()).isTrue();
        assertThat(failed.error().message()).hasSize(EditResult.ErrorDetail.MAX_MESSAGE_LENGTH).endsWith("...");
        assertThat(VALIDATOR.validateValue(failed).violations()).isEmpty();

        EditResult expired = EditResult.unsuccessful(request.requestId(), ErrorCode.DEADLINE_EXCEEDED, "late",
                null, null, worker, 1, Instant.now(), null);
        assertThat(expired.status()).isEqualTo(ResultStatus.EXPIRED);
        assertThat(VALIDATOR.validateValue(expired).valid()).isTrue();

        // a SUCCEEDED result without output is caught before it is published
        EditResult broken = new EditResult(1, "req-1", ResultStatus.SUCCEEDED, null, null, null, null, worker, 1,
                Instant.now(), null);
        assertThat(VALIDATOR.validateValue(broken).paths()).containsExactly("$.output");
    }

    @Test
    void theSimulatedMarkerIsPresentOnlyAsTrue() {
        EditRequest request = VALIDATOR.parseRequest(Examples.valid("request-full.json")).orElseThrow();
        EditResult.OutputRef output = new EditResult.OutputRef("media-out", request.outputKey(), "\"abc\"",
                "0".repeat(64), 640, 480, ImageFormat.JPEG.contentType());
        EditResult.WorkerInfo simulated = new EditResult.WorkerInfo("w-1", ModelVersion.V1_1, "cpu (simulated engine)",
                "0.1.0", true);
        EditResult.WorkerInfo real = new EditResult.WorkerInfo("w-1", ModelVersion.V1_1, "cpu", "0.1.0", false);
        assertThat(real.simulated()).as("false is written as absent").isNull();
        assertThat(real).isEqualTo(new EditResult.WorkerInfo("w-1", ModelVersion.V1_1, "cpu", "0.1.0"));

        EditResult fake = EditResult.succeeded(request, output, Timings.NONE, null, simulated, 1, Instant.now());
        assertThat(VALIDATOR.validateValue(fake).violations()).isEmpty();
        String json = new String(ContractJson.toBytes(fake), StandardCharsets.UTF_8);
        assertThat(json).contains("\"simulated\":true");
        assertThat(VALIDATOR.parseResult(ContractJson.toBytes(fake)).orElseThrow().worker().simulated()).isTrue();

        EditResult genuine = EditResult.succeeded(request, output, Timings.NONE, null, real, 1, Instant.now());
        assertThat(new String(ContractJson.toBytes(genuine), StandardCharsets.UTF_8))
                .doesNotContain("simulated");
        assertThat(VALIDATOR.validateValue(genuine).valid()).isTrue();
    }

    @Test
    void summaryIsCutToTheLimit() {
        ValidationResult result = VALIDATOR.validate(MessageKind.REQUEST, "{}");
        String summary = result.summary(40);
        assertThat(summary).hasSize(40).endsWith("...");
        assertThat(result.summary(100_000)).contains("$.requestId").contains("; ");
    }

    @Test
    void validatorIsSafeToShareAcrossThreads() throws Exception {
        List<String> files = Examples.validFiles();
        Map<String, Examples.Invalid> invalid = Examples.invalidIndex();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Boolean>> futures = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                futures.add(pool.submit(() -> {
                    for (int round = 0; round < 10; round++) {
                        for (String f : files) {
                            if (!VALIDATOR.validate(Examples.kindOfFile(f), Examples.valid(f)).valid()) {
                                return false;
                            }
                        }
                        for (Examples.Invalid e : invalid.values()) {
                            ValidationResult r = VALIDATOR.validate(e.kind(), Examples.invalid(e.file()));
                            if (!r.paths().containsAll(e.paths())) {
                                return false;
                            }
                        }
                    }
                    return true;
                }));
            }
            for (Future<Boolean> f : futures) {
                assertThat(f.get()).isTrue();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aValidatorCanBeBuiltMoreThanOnceAndAgrees() {
        ContractValidator fresh = new ContractValidator();
        assertThat(fresh.validate(MessageKind.REQUEST, MINIMAL).valid()).isTrue();
        assertThat(fresh.validate(MessageKind.REQUEST, "{}").paths())
                .isEqualTo(VALIDATOR.validate(MessageKind.REQUEST, "{}").paths());
        assertThat(fresh.schema(MessageKind.RESULT).get("$id").asString()).isEqualTo(MessageKind.RESULT.schemaId());
    }
}
