package dev.step1x.contracts;

import com.fasterxml.jackson.annotation.JsonInclude;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.MapperFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * The Jackson 3 mapper for contract messages. Use it (or a mapper configured the same way) to read and
 * write the records of this package:
 * <ul>
 *   <li>absent ({@code null}) fields are omitted, never written as {@code null} (the schemas do not allow
 *       {@code null});</li>
 *   <li>duplicate object keys and trailing content are parse errors;</li>
 *   <li>unknown properties fail deserialization (the schemas are closed too);</li>
 *   <li>properties are written in record-component order; {@link java.time.Instant}s as RFC 3339 strings.</li>
 * </ul>
 * Jackson 3 mappers are immutable and thread-safe.
 */
public final class ContractJson {

    private static final JsonMapper MAPPER = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .disable(MapperFeature.SORT_PROPERTIES_ALPHABETICALLY)
            .changeDefaultPropertyInclusion(incl -> incl.withValueInclusion(JsonInclude.Include.NON_NULL))
            .build();

    private ContractJson() {
    }

    /** The shared mapper. */
    public static JsonMapper mapper() {
        return MAPPER;
    }

    /** Serializes a contract record to a JSON string (UTF-8 when sent as bytes). */
    public static String toJson(Object message) {
        return MAPPER.writeValueAsString(message);
    }

    /** Serializes a contract record to UTF-8 JSON bytes, the form sent to Kafka. */
    public static byte[] toBytes(Object message) {
        return MAPPER.writeValueAsBytes(message);
    }
}
