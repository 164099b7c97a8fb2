package dev.step1x.worker.support;

/** Request JSON for tests, written by hand so that invalid variants are easy. */
public final class Requests {

    private Requests() {}

    public static String edit(String requestId, String inputKey, String instruction, int sizeLevel) {
        return edit(requestId, ItEnvironment.INPUTS, inputKey, instruction, sizeLevel, 28, ItEnvironment.OUTPUTS, "png");
    }

    public static String edit(String requestId, String inputBucket, String inputKey, String instruction, int sizeLevel,
            int steps, String outputBucket, String format) {
        return """
                {"schemaVersion":1,"requestId":"%s","input":{"bucket":"%s","key":"%s"},"instruction":"%s",
                 "params":{"sizeLevel":%d,"steps":%d},"output":{"bucket":"%s","keyPrefix":"edits/","format":"%s"},
                 "metadata":{"suite":"it"}}
                """.formatted(requestId, inputBucket, inputKey, escape(instruction), sizeLevel, steps, outputBucket, format);
    }

    public static String chained(String requestId, String previousRequestId, String instruction) {
        return """
                {"schemaVersion":1,"requestId":"%s","previousRequestId":"%s","instruction":"%s",
                 "params":{"sizeLevel":512},"output":{"bucket":"%s","keyPrefix":"edits/"}}
                """.formatted(requestId, previousRequestId, escape(instruction), ItEnvironment.OUTPUTS);
    }

    public static String withDeadline(String requestId, String inputKey, String deadline) {
        return """
                {"schemaVersion":1,"requestId":"%s","input":{"bucket":"%s","key":"%s"},"instruction":"too late",
                 "params":{"sizeLevel":512},"output":{"bucket":"%s"},"deadline":"%s"}
                """.formatted(requestId, ItEnvironment.INPUTS, inputKey, ItEnvironment.OUTPUTS, deadline);
    }

    public static String withVersion(String requestId, String inputKey, String version) {
        return """
                {"schemaVersion":1,"requestId":"%s","input":{"bucket":"%s","key":"%s"},"instruction":"old model",
                 "params":{"sizeLevel":512,"modelVersion":"%s"},"output":{"bucket":"%s"}}
                """.formatted(requestId, ItEnvironment.INPUTS, inputKey, version, ItEnvironment.OUTPUTS);
    }

    private static String escape(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"");
    }
}
