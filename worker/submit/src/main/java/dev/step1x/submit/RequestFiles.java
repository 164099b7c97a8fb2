package dev.step1x.submit;

import dev.step1x.contracts.ContractJson;
import dev.step1x.contracts.ContractValidator;
import dev.step1x.contracts.EditRequest;
import dev.step1x.contracts.ValidationResult;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

/**
 * The requests of one run: built from the request options, or read from JSON files (an object or an array of
 * objects per file), each checked against the contract unless {@code --no-validate}. A problem is an
 * {@link IllegalArgumentException} whose message names the file and what is wrong.
 */
final class RequestFiles {

    private final boolean noValidate;
    private final PrintWriter err;

    RequestFiles(boolean noValidate, PrintWriter err) {
        this.noValidate = noValidate;
        this.err = err;
    }

    /** The request the options describe ({@code upload}: the file whose name completes a folder --input). */
    Sent built(RequestOptions request, Path upload) {
        if (!request.anyGiven()) {
            throw new IllegalArgumentException("nothing to send: give FILE.json... or --instruction with --input and "
                    + "--output-bucket");
        }
        EditRequest r = request.build(upload == null ? null : upload.getFileName().toString());
        byte[] json = ContractJson.toBytes(r);
        checkValid(json, "the request");
        return new Sent(r.requestId(), json, new long[1]);
    }

    /** Every request of the files, in order; a requestId seen twice is sent twice, with a warning. */
    List<Sent> fromFiles(RequestOptions request, List<Path> files) {
        if (request.anyGiven()) {
            throw new IllegalArgumentException("the request options (--instruction, --input, ...) build a request; "
                    + "they cannot be combined with FILE.json");
        }
        List<Sent> out = new ArrayList<>();
        Set<String> ids = new LinkedHashSet<>();
        for (Path f : files) {
            List<byte[]> values;
            try {
                values = read(f);
            } catch (NoSuchFileException e) {
                throw new IllegalArgumentException(f + ": no such file");
            } catch (IOException e) {
                throw new IllegalArgumentException("cannot read " + f + ": " + e);
            } catch (JacksonException e) {
                if (!noValidate) {
                    throw new IllegalArgumentException(f + " is not JSON: " + e.getOriginalMessage());
                }
                values = List.of(readBytes(f));
            }
            int i = 0;
            for (byte[] value : values) {
                String where = values.size() == 1 ? f.toString() : f + " [" + i + "]";
                ValidationResult v = checkValid(value, where);
                String id = v.requestId().orElse("no-id-" + out.size());
                if (!ids.add(id)) {
                    err.printf("%s: requestId %s appears twice; it is sent twice and answered as one request%n",
                            where, id);
                }
                out.add(new Sent(id, value, new long[1]));
                i++;
            }
        }
        return out;
    }

    private ValidationResult checkValid(byte[] json, String where) {
        ValidationResult v = ContractValidator.shared().parseRequest(json).validation();
        if (!noValidate && !v.valid()) {
            StringBuilder b = new StringBuilder(where).append(" is not a valid EditRequest (--no-validate sends it "
                    + "anyway):");
            v.violations().forEach(x -> b.append("\n  ").append(x.message()));
            throw new IllegalArgumentException(b.toString());
        }
        return v;
    }

    /** The JSON values of a request file: one per array element, or the whole file. */
    static List<byte[]> read(Path f) throws IOException {
        byte[] bytes = Files.readAllBytes(f);
        JsonNode node = ContractJson.mapper().readTree(bytes);
        List<byte[]> out = new ArrayList<>();
        if (node != null && node.isArray()) {
            for (JsonNode n : node) {
                out.add(ContractJson.mapper().writeValueAsBytes(n));
            }
        } else {
            out.add(bytes);
        }
        return out;
    }

    private static byte[] readBytes(Path f) {
        try {
            return Files.readAllBytes(f);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + f + ": " + e.getMessage());
        }
    }
}
