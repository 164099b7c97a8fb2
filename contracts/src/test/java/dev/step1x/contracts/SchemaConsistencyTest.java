package dev.step1x.contracts;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import tools.jackson.databind.JsonNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The schemas follow the house rules and agree with the Java enums and the README. */
class SchemaConsistencyTest {

    private static final ContractValidator VALIDATOR = ContractValidator.shared();

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asString()));
        return out;
    }

    @ParameterizedTest
    @EnumSource(MessageKind.class)
    void schemaHeader(MessageKind kind) {
        JsonNode schema = VALIDATOR.schema(kind);
        assertThat(schema.get("$schema").asString()).isEqualTo("https://json-schema.org/draft/2020-12/schema");
        assertThat(schema.get("$id").asString()).isEqualTo(kind.schemaId());
        assertThat(schema.at("/properties/schemaVersion/const").asInt()).isEqualTo(1);
        assertThat(strings(schema.get("required"))).contains("schemaVersion");
    }

    /**
     * Every object schema that lists properties is closed ({@code additionalProperties: false}); the only
     * open objects are the string maps (metadata, queue buckets), whose additionalProperties is a schema and
     * whose size is capped. Every listed property has a description.
     */
    @ParameterizedTest
    @EnumSource(MessageKind.class)
    void everyObjectIsClosedAndEveryFieldDescribed(MessageKind kind) {
        List<String> problems = new ArrayList<>();
        walk(VALIDATOR.schema(kind), "#", problems);
        assertThat(problems).isEmpty();
    }

    private static void walk(JsonNode node, String at, List<String> problems) {
        if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                walk(node.get(i), at + "/" + i, problems);
            }
            return;
        }
        if (!node.isObject()) {
            return;
        }
        boolean objectType = node.path("type").asString("").equals("object");
        if (objectType && node.has("properties")) {
            if (!node.path("additionalProperties").isBoolean() || node.get("additionalProperties").asBoolean()) {
                problems.add(at + ": object with properties but not additionalProperties:false");
            }
        }
        if (objectType && !node.has("properties")) {
            if (!node.path("additionalProperties").isObject() || !node.has("maxProperties")) {
                problems.add(at + ": open object must be a capped map with a value schema");
            }
        }
        if (objectType && !node.has("description")) {
            problems.add(at + ": object without description");
        }
        if (node.has("properties") && (at.equals("#") || objectType)) {
            for (Map.Entry<String, JsonNode> p : node.get("properties").properties()) {
                JsonNode field = p.getValue();
                if (field.isObject() && !field.has("description")) {
                    problems.add(at + "/properties/" + p.getKey() + ": no description");
                }
            }
        }
        for (Map.Entry<String, JsonNode> child : node.properties()) {
            walk(child.getValue(), at + "/" + child.getKey(), problems);
        }
    }

    @Test
    void errorCodesMatchTheSchemaAndAreDocumented() {
        JsonNode code = VALIDATOR.schema(MessageKind.RESULT).at("/properties/error/properties/code");
        List<String> names = Arrays.stream(ErrorCode.values()).map(Enum::name).toList();
        assertThat(strings(code.get("enum"))).containsExactlyElementsOf(names);
        String description = code.get("description").asString();
        for (String name : names) {
            assertThat(description).as("schema description of %s", name).contains(name + ":");
        }
        for (ErrorCode c : ErrorCode.values()) {
            assertThat(c.status()).isNotEqualTo(ResultStatus.SUCCEEDED);
        }
        assertThat(ErrorCode.DEADLINE_EXCEEDED.status()).isEqualTo(ResultStatus.EXPIRED);
        assertThat(ErrorCode.INVALID_REQUEST.retryable()).isFalse();
        assertThat(ErrorCode.STORAGE_UNAVAILABLE.retryable()).isTrue();
    }

    @Test
    void enumsMatchTheSchemas() {
        JsonNode request = VALIDATOR.schema(MessageKind.REQUEST);
        JsonNode result = VALIDATOR.schema(MessageKind.RESULT);
        JsonNode metrics = VALIDATOR.schema(MessageKind.METRICS);
        List<String> versions = Arrays.stream(ModelVersion.values()).map(ModelVersion::wire).toList();
        assertThat(strings(request.at("/properties/params/properties/modelVersion/enum"))).isEqualTo(versions);
        assertThat(strings(result.at("/properties/worker/properties/modelVersion/enum"))).isEqualTo(versions);
        assertThat(strings(metrics.at("/properties/modelVersion/enum"))).isEqualTo(versions);
        assertThat(strings(request.at("/properties/output/properties/format/enum")))
                .isEqualTo(Arrays.stream(ImageFormat.values()).map(ImageFormat::wire).toList());
        assertThat(strings(result.at("/properties/output/properties/contentType/enum")))
                .isEqualTo(Arrays.stream(ImageFormat.values()).map(ImageFormat::contentType).toList());
        assertThat(strings(result.at("/properties/status/enum")))
                .isEqualTo(Arrays.stream(ResultStatus.values()).map(Enum::name).toList());
        List<String> timingStages = new ArrayList<>();
        result.at("/properties/timings/properties").propertyNames().forEach(timingStages::add);
        assertThat(timingStages).isEqualTo(Arrays.stream(Timings.class.getRecordComponents())
                .map(java.lang.reflect.RecordComponent::getName).toList());
    }

    @Test
    void readmeNamesEveryErrorCodeTopicAndHeader() throws IOException {
        String readme = Files.readString(Path.of("README.md"));
        for (ErrorCode c : ErrorCode.values()) {
            assertThat(readme).as("README mentions %s", c).contains("`" + c.name() + "`");
        }
        for (String topic : List.of(Topics.REQUESTS, Topics.RESULTS, Topics.METRICS, Topics.REQUESTS_DLQ,
                Topics.WORKER_GROUP)) {
            assertThat(readme).contains("`" + topic + "`");
        }
        for (java.lang.reflect.Field f : Headers.class.getFields()) {
            Object value;
            try {
                value = f.get(null);
            } catch (IllegalAccessException e) {
                throw new AssertionError(e);
            }
            assertThat(readme).as("README mentions header %s", f.getName()).contains("`" + value + "`");
        }
    }

    @Test
    void headerNamesAreDistinctLowerCase() throws IllegalAccessException {
        List<String> names = new ArrayList<>();
        for (java.lang.reflect.Field f : Headers.class.getFields()) {
            if (!f.getName().equals("JSON_CONTENT_TYPE")) {
                names.add((String) f.get(null));
            }
        }
        assertThat(names).doesNotHaveDuplicates().allSatisfy(n -> assertThat(n).isEqualTo(n.toLowerCase()));
        assertThat(names).contains("x-request-id", "x-schema-version", "x-dlq-reason", "x-dlq-error-code",
                "x-original-topic", "x-original-partition", "x-original-offset", "x-attempt", "content-type");
    }
}
