package dev.step1x.contracts;

import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SchemaRegistryConfig;
import com.networknt.schema.SpecificationVersion;
import com.networknt.schema.path.NodePath;
import com.networknt.schema.path.PathType;
import tools.jackson.core.JacksonException;
import tools.jackson.core.TokenStreamLocation;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Validates contract messages against the JSON Schemas in {@code schemas/} (draft 2020-12, loaded from the
 * classpath once, with {@code format} asserted so that date-times are checked) and maps valid ones onto the
 * records of this package.
 *
 * <p>Every violation is reported, not just the first, each with the JSON path of the offending member. Bytes
 * that are not a JSON object (malformed JSON, empty, an array, a string, {@code null}, duplicate keys, trailing
 * content) are classified {@link ValidationResult.Outcome#UNPARSEABLE} rather than INVALID: a worker
 * dead-letters those and answers INVALID ones with a REJECTED result.
 *
 * <p>Construction parses and compiles the three schemas (tens of milliseconds); instances are immutable and
 * thread-safe, so build one ({@link #shared()}) and reuse it.
 */
public final class ContractValidator {

    private static final Pattern ID_PATTERN = Pattern.compile("[A-Za-z0-9._:-]{1,128}");

    /** Keywords whose error sits on the containing object but is about one named member of it. */
    private static final Set<String> MEMBER_KEYWORDS = Set.of(
            "required", "dependentRequired", "dependencies", "additionalProperties", "unevaluatedProperties",
            "propertyNames");

    /** Schema keywords whose value is a map from names to subschemas. */
    private static final Set<String> SCHEMA_MAP_KEYWORDS = Set.of(
            "properties", "patternProperties", "dependentSchemas", "$defs", "definitions");

    private record Compiled(JsonNode document, Schema schema) {
    }

    private record Checked(ValidationResult result, JsonNode tree) {
    }

    private static final class Shared {
        static final ContractValidator INSTANCE = new ContractValidator();
    }

    private final JsonMapper mapper = ContractJson.mapper();
    private final Map<MessageKind, Compiled> schemas = new EnumMap<>(MessageKind.class);

    /** Loads and compiles the three schemas from the classpath. */
    public ContractValidator() {
        SchemaRegistryConfig config = SchemaRegistryConfig.builder()
                .formatAssertionsEnabled(true) // in 2020-12 "format" only annotates unless asserted
                .pathType(PathType.JSON_PATH)
                .losslessNarrowing(true) // 28.0 is an integer, as the spec says
                .build();
        SchemaRegistry registry = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12,
                builder -> builder.schemaRegistryConfig(config));
        for (MessageKind kind : MessageKind.values()) {
            JsonNode document = readSchemaResource(kind);
            String id = document.path("$id").asString("");
            if (!id.equals(kind.schemaId())) {
                throw new IllegalStateException(kind.schemaResource() + " has $id '" + id + "', expected "
                        + kind.schemaId());
            }
            Schema schema = registry.getSchema(SchemaLocation.of(id), document);
            schema.initializeValidators();
            schemas.put(kind, new Compiled(document, schema));
        }
    }

    /** A process-wide instance, created on first use. */
    public static ContractValidator shared() {
        return Shared.INSTANCE;
    }

    /** A copy of the schema document of {@code kind}. */
    public JsonNode schema(MessageKind kind) {
        return schemas.get(kind).document().deepCopy();
    }

    // ---------------------------------------------------------------- validation

    /** Validates UTF-8 JSON bytes (a Kafka record value; {@code null} for a tombstone). */
    public ValidationResult validate(MessageKind kind, byte[] json) {
        return check(kind, json).result();
    }

    /** Validates a JSON string. */
    public ValidationResult validate(MessageKind kind, String json) {
        return check(kind, json).result();
    }

    /** Validates an already parsed tree. A {@code null}, missing or non-object node is UNPARSEABLE. */
    public ValidationResult validate(MessageKind kind, JsonNode json) {
        return checkTree(kind, json).result();
    }

    /**
     * Serializes a record of this package with {@link ContractJson} and validates the JSON, e.g. a result
     * before it is published. The kind follows from the record's class.
     */
    public ValidationResult validateValue(Object message) {
        Objects.requireNonNull(message, "message");
        MessageKind kind = MessageKind.of(message.getClass());
        return checkTree(kind, mapper.valueToTree(message)).result();
    }

    // ---------------------------------------------------------------- parsing

    /** Validates an EditRequest and maps it onto the record when valid. */
    public ParseResult<EditRequest> parseRequest(byte[] json) {
        return map(check(MessageKind.REQUEST, json), EditRequest.class);
    }

    /** Validates an EditRequest and maps it onto the record when valid. */
    public ParseResult<EditRequest> parseRequest(String json) {
        return map(check(MessageKind.REQUEST, json), EditRequest.class);
    }

    /** Validates an EditResult and maps it onto the record when valid. */
    public ParseResult<EditResult> parseResult(byte[] json) {
        return map(check(MessageKind.RESULT, json), EditResult.class);
    }

    /** Validates an EditResult and maps it onto the record when valid. */
    public ParseResult<EditResult> parseResult(String json) {
        return map(check(MessageKind.RESULT, json), EditResult.class);
    }

    /** Validates a WorkerMetrics snapshot and maps it onto the record when valid. */
    public ParseResult<WorkerMetrics> parseMetrics(byte[] json) {
        return map(check(MessageKind.METRICS, json), WorkerMetrics.class);
    }

    /** Validates a WorkerMetrics snapshot and maps it onto the record when valid. */
    public ParseResult<WorkerMetrics> parseMetrics(String json) {
        return map(check(MessageKind.METRICS, json), WorkerMetrics.class);
    }

    // ---------------------------------------------------------------- internals

    private Checked check(MessageKind kind, byte[] json) {
        if (json == null) {
            return unparseable(kind, "no payload (null record value)");
        }
        JsonNode tree;
        try {
            tree = mapper.readTree(json);
        } catch (JacksonException e) {
            return unparseable(kind, "not well-formed JSON: " + describe(e));
        }
        return checkTree(kind, tree);
    }

    private Checked check(MessageKind kind, String json) {
        if (json == null) {
            return unparseable(kind, "no payload (null)");
        }
        JsonNode tree;
        try {
            tree = mapper.readTree(json);
        } catch (JacksonException e) {
            return unparseable(kind, "not well-formed JSON: " + describe(e));
        }
        return checkTree(kind, tree);
    }

    private Checked checkTree(MessageKind kind, JsonNode tree) {
        Objects.requireNonNull(kind, "kind");
        if (tree == null || tree.isMissingNode()) {
            return unparseable(kind, "empty payload");
        }
        if (!tree.isObject()) {
            return unparseable(kind, "JSON " + tree.getNodeType().name().toLowerCase() + " where an object was expected");
        }
        Compiled compiled = schemas.get(kind);
        List<com.networknt.schema.Error> errors = compiled.schema().validate(tree);
        List<Violation> violations = new ArrayList<>(errors.size());
        for (com.networknt.schema.Error error : errors) {
            violations.add(toViolation(compiled, error));
        }
        ValidationResult.Outcome outcome = violations.isEmpty()
                ? ValidationResult.Outcome.VALID : ValidationResult.Outcome.INVALID;
        return new Checked(new ValidationResult(kind, outcome, violations, usableRequestId(kind, tree)), tree);
    }

    private <T> ParseResult<T> map(Checked checked, Class<T> type) {
        ValidationResult result = checked.result();
        if (!result.valid()) {
            return new ParseResult<>(result, null);
        }
        try {
            return new ParseResult<>(result, mapper.treeToValue(checked.tree(), type));
        } catch (JacksonException e) {
            // Schema-valid JSON that the record cannot hold; should not happen, reported rather than thrown.
            String path = jsonPath(e.getPath());
            Violation v = new Violation(path, Violation.MAPPING,
                    path + ": cannot be read as " + type.getSimpleName() + ": " + e.getOriginalMessage(), null);
            return new ParseResult<>(new ValidationResult(result.kind(), ValidationResult.Outcome.INVALID,
                    List.of(v), result.requestId().orElse(null)), null);
        }
    }

    private Violation toViolation(Compiled compiled, com.networknt.schema.Error error) {
        NodePath location = error.getInstanceLocation();
        String keyword = error.getKeyword();
        String property = error.getProperty();
        String path = property != null && MEMBER_KEYWORDS.contains(keyword)
                ? location.append(property).toString()
                : location.toString();
        String detail = error.getMessage();
        if ("false".equals(keyword)) {
            // A "false" subschema forbids a member; say so, with the reason the schema documents.
            String reason = enclosingDescription(compiled.document(), error.getSchemaLocation());
            String name = location.getNameCount() == 0 ? "$" : location.getName(location.getNameCount() - 1);
            detail = "property '" + name + "' is not allowed here" + (reason == null ? "" : ": " + reason);
        } else if ("not".equals(keyword)) {
            // The library would print the whole excluded subschema; the documented rule reads better.
            String rule = enclosingDescription(compiled.document(), error.getSchemaLocation());
            if (rule != null) {
                detail = "has an excluded form; " + rule;
            }
        } else if ("format".equals(keyword) && detail != null && detail.contains("date-time")) {
            detail = "must be an RFC 3339 date-time with a time-zone offset, e.g. 2025-06-01T12:00:00Z";
        }
        return new Violation(path, keyword, path + ": " + detail, String.valueOf(error.getSchemaLocation()));
    }

    /**
     * The description of the nearest schema object enclosing a failed keyword (the keyword's own segment,
     * last in the location, is skipped), if it has one below the document root.
     */
    private static String enclosingDescription(JsonNode document, SchemaLocation location) {
        if (location == null || location.getFragment() == null) {
            return null;
        }
        NodePath fragment = location.getFragment();
        List<Object> segments = new ArrayList<>();
        for (int i = 0; i < fragment.getNameCount(); i++) {
            segments.add(fragment.getElement(i));
        }
        // Walk outwards from the failed keyword; skip nodes that are maps of subschemas ("properties" etc.)
        // and stop before the document root, whose description is about the whole message.
        for (int length = segments.size() - 1; length > 0; length--) {
            if (SCHEMA_MAP_KEYWORDS.contains(String.valueOf(segments.get(length - 1)))) {
                continue;
            }
            JsonNode node = document;
            for (int i = 0; i < length && node != null; i++) {
                Object seg = segments.get(i);
                node = seg instanceof Integer index ? node.get(index) : node.get(String.valueOf(seg));
            }
            if (node != null && node.isObject() && node.path("description").isString()) {
                return node.get("description").asString();
            }
        }
        return null;
    }

    private static String usableRequestId(MessageKind kind, JsonNode tree) {
        if (kind == MessageKind.METRICS) {
            return null;
        }
        JsonNode id = tree.get("requestId");
        if (id == null || !id.isString()) {
            return null;
        }
        String value = id.asString();
        return ID_PATTERN.matcher(value).matches() ? value : null;
    }

    private static Checked unparseable(MessageKind kind, String reason) {
        Violation v = new Violation("$", Violation.UNPARSEABLE, "$: " + reason, null);
        return new Checked(new ValidationResult(kind, ValidationResult.Outcome.UNPARSEABLE, List.of(v), null), null);
    }

    private static String describe(JacksonException e) {
        String message = String.valueOf(e.getOriginalMessage());
        int newline = message.indexOf('\n');
        if (newline >= 0) {
            message = message.substring(0, newline);
        }
        TokenStreamLocation at = e.getLocation();
        if (at != null && at != TokenStreamLocation.NA && at.getLineNr() > 0) {
            message += " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")";
        }
        return message;
    }

    private static String jsonPath(List<JacksonException.Reference> references) {
        StringBuilder path = new StringBuilder("$");
        for (JacksonException.Reference ref : references) {
            if (ref.getPropertyName() != null) {
                path.append('.').append(ref.getPropertyName());
            } else if (ref.getIndex() >= 0) {
                path.append('[').append(ref.getIndex()).append(']');
            }
        }
        return path.toString();
    }

    private JsonNode readSchemaResource(MessageKind kind) {
        ClassLoader loader = ContractValidator.class.getClassLoader();
        try (InputStream in = loader.getResourceAsStream(kind.schemaResource())) {
            if (in == null) {
                throw new IllegalStateException("schema resource missing from the classpath: " + kind.schemaResource());
            }
            return mapper.readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + kind.schemaResource(), e);
        }
    }
}
