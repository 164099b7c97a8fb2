package dev.step1x.contracts;

/**
 * The three message types of the image-edit topics, each with its JSON Schema (a classpath resource
 * under {@code schemas/}) and the Java record that mirrors it.
 */
public enum MessageKind {
    /** {@link EditRequest} on {@link Topics#REQUESTS}. */
    REQUEST("edit-request-v1.schema.json", EditRequest.class),
    /** {@link EditResult} on {@link Topics#RESULTS}. */
    RESULT("edit-result-v1.schema.json", EditResult.class),
    /** {@link WorkerMetrics} on {@link Topics#METRICS}. */
    METRICS("worker-metrics-v1.schema.json", WorkerMetrics.class);

    /** Common prefix of every schema's {@code $id}. */
    public static final String SCHEMA_ID_BASE = "https://schemas.step1x.dev/image-edit/";

    private final String fileName;
    private final Class<?> javaType;

    MessageKind(String fileName, Class<?> javaType) {
        this.fileName = fileName;
        this.javaType = javaType;
    }

    /** Classpath resource of the schema, e.g. {@code schemas/edit-request-v1.schema.json}. */
    public String schemaResource() {
        return "schemas/" + fileName;
    }

    /** The schema's {@code $id}. */
    public String schemaId() {
        return SCHEMA_ID_BASE + fileName;
    }

    /** The record type a valid message of this kind deserializes to. */
    public Class<?> javaType() {
        return javaType;
    }

    /** The kind whose record type is {@code type}. */
    public static MessageKind of(Class<?> type) {
        for (MessageKind kind : values()) {
            if (kind.javaType.equals(type)) {
                return kind;
            }
        }
        throw new IllegalArgumentException("not a contract message type: " + type.getName());
    }
}
