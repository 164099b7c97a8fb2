package dev.step1x.contracts;

/**
 * One reason a message is not valid.
 *
 * @param path           JSON path of the offending member, e.g. {@code $.params.steps}. For a missing
 *                       required field, an unknown field or a bad key the path names that field itself
 *                       ({@code $.requestId}), not the object that should (not) contain it. {@code $} for a
 *                       message that could not be parsed.
 * @param keyword        the JSON Schema keyword that failed ({@code required}, {@code maximum}, ...),
 *                       {@value #UNPARSEABLE} when the bytes are not a JSON object, or {@value #MAPPING}
 *                       when schema-valid JSON could not be mapped onto the record
 * @param message        human-readable, starting with the path, e.g.
 *                       {@code $.params.steps: must have a maximum value of 100}
 * @param schemaLocation where in which schema the failed keyword is ({@code null} for the two pseudo
 *                       keywords)
 */
public record Violation(String path, String keyword, String message, String schemaLocation) {

    /** Pseudo keyword of the violation reported for bytes that are not a JSON object. */
    public static final String UNPARSEABLE = "unparseable";
    /** Pseudo keyword of the violation reported when valid JSON does not map onto the record. */
    public static final String MAPPING = "mapping";

    @Override
    public String toString() {
        return message;
    }
}
