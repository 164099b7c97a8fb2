package dev.step1x.contracts;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tools.jackson.databind.JsonNode;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class DefaultsTest {

    private static final ContractValidator VALIDATOR = ContractValidator.shared();

    private static EditRequest request(String example) {
        return VALIDATOR.parseRequest(Examples.valid(example)).orElseThrow();
    }

    @Test
    void minimalRequestGetsEveryDefault() {
        EditRequest raw = request("request-minimal.json");
        assertThat(raw.params()).isNull();
        assertThat(raw.negativePrompt()).isNull();

        EditRequest r = raw.withDefaults();
        assertThat(r.negativePrompt()).isEmpty();
        assertThat(r.params()).isEqualTo(new EditParams(1024, 28, 6.0, 1360581865638323354L, ModelVersion.V1_1));
        assertThat(r.params().isResolved()).isTrue();
        assertThat(r.output()).isEqualTo(new OutputSpec("media-out", "", ImageFormat.PNG, null));
        assertThat(r.priority()).isEqualTo(5);
        assertThat(r.metadata()).isEmpty();
        assertThat(r.deadline()).isNull();
        // untouched
        assertThat(r.requestId()).isEqualTo(raw.requestId());
        assertThat(r.input()).isEqualTo(raw.input());
        assertThat(r.instruction()).isEqualTo(raw.instruction());
        assertThat(r.outputKey()).isEqualTo("req-0001.png");
    }

    @Test
    void presentValuesAreKept() {
        EditRequest raw = request("request-full.json");
        EditRequest r = raw.withDefaults();
        assertThat(r.params()).isEqualTo(raw.params());
        assertThat(r.params()).isEqualTo(new EditParams(768, 40, 7.5, -4611686018427387904L, ModelVersion.V1_0));
        assertThat(r.output()).isEqualTo(raw.output());
        assertThat(r.negativePrompt()).isEqualTo("blurry, low quality, watermark");
        assertThat(r.priority()).isEqualTo(9);
        assertThat(r.metadata()).containsEntry("tenant", "acme").hasSize(3);
        assertThat(r.outputKey()).isEqualTo("edits/2025/06/cms:article-8812:hero.v3.jpg");
    }

    @Test
    void partialParamsAreCompletedFieldByField() {
        EditRequest r = request("request-chinese-instruction.json").withDefaults();
        assertThat(r.params().sizeLevel()).isEqualTo(1024);
        assertThat(r.params().guidanceScale()).isEqualTo(6.0);
        assertThat(r.params().steps()).isEqualTo(28);
        assertThat(r.params().modelVersion()).isEqualTo(ModelVersion.V1_1);
        assertThat(r.params().seed()).isEqualTo(-4591076115046679408L);
        assertThat(r.instruction()).startsWith("把背景换成");
    }

    @Test
    void anAdapterKeepsItsScaleOrGetsOneAndNoAdapterStaysAbsent() {
        EditRequest styled = request("request-with-adapter.json").withDefaults();
        assertThat(styled.params().adapter()).isEqualTo(new EditParams.Adapter("watercolor-v2", 0.8));
        assertThat(styled.params().sizeLevel()).isEqualTo(768);
        EditParams noScale = new EditParams(null, null, null, null, null, new EditParams.Adapter("sketch", null));
        assertThat(noScale.isResolved()).isFalse();
        assertThat(noScale.resolved("r").adapter()).isEqualTo(new EditParams.Adapter("sketch", 1.0));
        assertThat(noScale.resolved("r").isResolved()).isTrue();
        assertThat(request("request-minimal.json").withDefaults().params().adapter()).isNull();
        assertThat(ContractJson.toJson(request("request-minimal.json").withDefaults())).doesNotContain("adapter");
    }

    @Test
    void jpegGetsDefaultQualityAndPngNone() {
        EditRequest r = request("request-jpeg-default-quality.json").withDefaults();
        assertThat(r.output().format()).isEqualTo(ImageFormat.JPEG);
        assertThat(r.output().jpegQuality()).isEqualTo(90);
        assertThat(r.priority()).isEqualTo(0); // explicit 0 is kept, not replaced by 5
        assertThat(r.outputKey()).isEqualTo("batch-7:item-19.jpg");
        assertThat(OutputSpec.of("b-1").resolved().jpegQuality()).isNull();
    }

    @Test
    void chainedRequestKeepsItsShape() {
        EditRequest r = request("request-chained.json").withDefaults();
        assertThat(r.isChained()).isTrue();
        assertThat(r.input()).isNull();
        assertThat(r.params().seed()).isEqualTo(1782318129289141931L);
        assertThat(r.outputKey()).isEqualTo("edits/2025/06/cms:article-8812:hero.v4.png");
    }

    @Test
    void withDefaultsIsIdempotentAndStillValidForEveryRequestExample() {
        for (String file : Examples.validFiles()) {
            if (Examples.kindOfFile(file) != MessageKind.REQUEST) {
                continue;
            }
            EditRequest resolved = request(file).withDefaults();
            assertThat(resolved.withDefaults()).as(file).isEqualTo(resolved);
            ValidationResult result = VALIDATOR.validate(MessageKind.REQUEST, ContractJson.toJson(resolved));
            assertThat(result.violations()).as(file).isEmpty();
            assertThat(VALIDATOR.parseRequest(ContractJson.toBytes(resolved)).orElseThrow()).isEqualTo(resolved);
        }
    }

    /** Expected values computed outside Java (Python hashlib: struct.unpack('>q', sha256(id)[:8])). */
    @ParameterizedTest
    @CsvSource({
            "req-0001, 1360581865638323354",
            "zh-20250601-0042, -4591076115046679408",
            "cms:article-8812:hero.v4, 1782318129289141931",
            "中文-id, -7379793601523396713"})
    void seedDefaultMatchesAnIndependentComputation(String requestId, long expected) throws Exception {
        assertThat(EditParams.defaultSeed(requestId)).isEqualTo(expected);

        byte[] digest = MessageDigest.getInstance("SHA-256").digest(requestId.getBytes(StandardCharsets.UTF_8));
        long viaBigInteger = new BigInteger(Arrays.copyOf(digest, 8)).longValueExact(); // two's complement
        assertThat(EditParams.defaultSeed(requestId)).isEqualTo(viaBigInteger);
        assertThat(EditParams.DEFAULTS.resolved(requestId).seed()).isEqualTo(expected);
    }

    @Test
    void seedDefaultDependsOnTheRequestId() {
        assertThat(EditParams.defaultSeed("req-0001")).isNotEqualTo(EditParams.defaultSeed("req-0002"));
        // an explicit seed wins, also 0
        assertThat(new EditParams(null, null, null, 0L, null).resolved("req-0001").seed()).isZero();
    }

    @Test
    void javaDefaultsMatchTheSchemaDefaults() {
        JsonNode schema = VALIDATOR.schema(MessageKind.REQUEST);
        JsonNode params = schema.at("/properties/params/properties");
        assertThat(params.at("/sizeLevel/default").asInt()).isEqualTo(EditParams.DEFAULT_SIZE_LEVEL);
        assertThat(params.at("/steps/default").asInt()).isEqualTo(EditParams.DEFAULT_STEPS);
        assertThat(params.at("/guidanceScale/default").asDouble()).isEqualTo(EditParams.DEFAULT_GUIDANCE_SCALE);
        assertThat(params.at("/modelVersion/default").asString()).isEqualTo(EditParams.DEFAULT_MODEL_VERSION.wire());
        assertThat(params.at("/adapter/properties/scale/default").asDouble()).isEqualTo(EditParams.Adapter.DEFAULT_SCALE);
        JsonNode output = schema.at("/properties/output/properties");
        assertThat(output.at("/format/default").asString()).isEqualTo(OutputSpec.DEFAULT_FORMAT.wire());
        assertThat(output.at("/keyPrefix/default").asString()).isEqualTo(OutputSpec.DEFAULT_KEY_PREFIX);
        assertThat(schema.at("/properties/priority/default").asInt()).isEqualTo(EditRequest.DEFAULT_PRIORITY);
        assertThat(schema.at("/properties/negativePrompt/default").asString())
                .isEqualTo(EditRequest.DEFAULT_NEGATIVE_PROMPT);
        assertThat(output.at("/jpegQuality/description").asString())
                .contains("default " + OutputSpec.DEFAULT_JPEG_QUALITY);
    }

    @Test
    void metadataIsCopiedAndUnmodifiable() {
        java.util.HashMap<String, String> source = new java.util.HashMap<>(Map.of("a", "1"));
        EditRequest r = new EditRequest(1, "r-1", null, EditRequest.Input.of("media-in", "k"), "x", null, null,
                OutputSpec.of("media-out"), null, null, source);
        source.put("b", "2");
        assertThat(r.metadata()).containsExactly(Map.entry("a", "1"));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> r.metadata().put("c", "3"))
                .isInstanceOf(UnsupportedOperationException.class);
    }
}
