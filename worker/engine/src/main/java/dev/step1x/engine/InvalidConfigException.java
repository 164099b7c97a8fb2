package dev.step1x.engine;

/**
 * A model configuration value that is missing, has the wrong JSON type, or is inconsistent with
 * another value. {@link #field()} is the upstream JSON field name, dotted for nested objects
 * ({@code vision_config.num_heads}, {@code params.axes_dim}).
 */
public class InvalidConfigException extends IllegalArgumentException {

    private final String source;
    private final String field;
    private final String problem;

    public InvalidConfigException(String field, String problem) {
        this(null, field, problem, null);
    }

    private InvalidConfigException(String source, String field, String problem, Throwable cause) {
        super((source == null ? "" : source + ": ") + field + ": " + problem, cause);
        this.source = source;
        this.field = field;
        this.problem = problem;
    }

    /** The JSON field name, dotted for nested objects. */
    public String field() {
        return field;
    }

    /** What is wrong with it, without the field name. */
    public String problem() {
        return problem;
    }

    /** The file or description the value came from, or null. */
    public String source() {
        return source;
    }

    /** The same problem, with the field nested under {@code prefix} (no-op for an empty prefix). */
    public InvalidConfigException under(String prefix) {
        if (prefix == null || prefix.isEmpty()) {
            return this;
        }
        return new InvalidConfigException(source, prefix + "." + field, problem, getCause());
    }

    /** The same problem, naming where the configuration came from. */
    public InvalidConfigException from(String newSource) {
        return new InvalidConfigException(newSource, field, problem, getCause());
    }
}
