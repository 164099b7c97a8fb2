package dev.step1x.contracts;

import tools.jackson.databind.JsonNode;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/** Test helper: the example messages shipped under classpath {@code examples/}. */
final class Examples {

    /** One entry of {@code examples/invalid/index.json}. */
    record Invalid(String file, MessageKind kind, List<String> paths, List<String> keywords, String description) {
        @Override
        public String toString() {
            return file;
        }
    }

    private Examples() {
    }

    static byte[] bytes(String resource) {
        try (InputStream in = Examples.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalArgumentException("no resource " + resource);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<String> fileNames(String dir) {
        URL url = Examples.class.getClassLoader().getResource(dir);
        if (url == null) {
            throw new IllegalArgumentException("no resource directory " + dir);
        }
        try (Stream<Path> files = Files.list(Path.of(url.toURI()))) {
            return files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".json")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static List<String> validFiles() {
        return fileNames("examples/valid");
    }

    static byte[] valid(String file) {
        return bytes("examples/valid/" + file);
    }

    static byte[] invalid(String file) {
        return bytes("examples/invalid/" + file);
    }

    /** The kind named by a file's prefix: request-, result- or metrics-. */
    static MessageKind kindOfFile(String file) {
        if (file.startsWith("request-")) {
            return MessageKind.REQUEST;
        }
        if (file.startsWith("result-")) {
            return MessageKind.RESULT;
        }
        if (file.startsWith("metrics-")) {
            return MessageKind.METRICS;
        }
        throw new IllegalArgumentException("example name without a kind prefix: " + file);
    }

    static MessageKind kindOfIndexEntry(String kind) {
        return switch (kind) {
            case "request" -> MessageKind.REQUEST;
            case "result" -> MessageKind.RESULT;
            case "metrics" -> MessageKind.METRICS;
            default -> throw new IllegalArgumentException("unknown kind in index.json: " + kind);
        };
    }

    static Map<String, Invalid> invalidIndex() {
        JsonNode index = ContractJson.mapper().readTree(bytes("examples/invalid/index.json"));
        Map<String, Invalid> entries = new TreeMap<>();
        for (Map.Entry<String, JsonNode> e : index.properties()) {
            JsonNode v = e.getValue();
            entries.put(e.getKey(), new Invalid(e.getKey(), kindOfIndexEntry(v.get("kind").asString()),
                    strings(v.get("paths")), strings(v.get("keywords")), v.get("description").asString()));
        }
        return entries;
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asString()));
        return out;
    }

    static Object parse(ContractValidator validator, MessageKind kind, byte[] json) {
        return switch (kind) {
            case REQUEST -> validator.parseRequest(json).orElseThrow();
            case RESULT -> validator.parseResult(json).orElseThrow();
            case METRICS -> validator.parseMetrics(json).orElseThrow();
        };
    }

    static ParseResult<?> tryParse(ContractValidator validator, MessageKind kind, byte[] json) {
        return switch (kind) {
            case REQUEST -> validator.parseRequest(json);
            case RESULT -> validator.parseResult(json);
            case METRICS -> validator.parseMetrics(json);
        };
    }
}
