package dev.step1x.loadtest.gen;

import java.util.Map;

/**
 * One request as the generator sends it: record key and value, headers, what the answer must be, and the
 * attributes the report breaks numbers down by.
 *
 * @param requestId   the id (also the record key)
 * @param value       the record value (JSON, or garbage for an unparseable request)
 * @param headers     record headers
 * @param expectation the answer it must get
 * @param task        GEdit task type (good requests)
 * @param language    instruction language (good requests)
 * @param sizeLevel   size level asked for (good requests; 0 otherwise)
 * @param aspect      input aspect ratio (good requests)
 * @param steps       steps asked for (good requests)
 * @param bad         the bad kind, null for a good request
 */
public record PlannedRequest(
        String requestId,
        byte[] value,
        Map<String, String> headers,
        Expectation expectation,
        TaskType task,
        TaskType.Language language,
        int sizeLevel,
        Aspect aspect,
        int steps,
        BadKind bad) {
}
