package dev.step1x.worker.engine;

import dev.step1x.engine.lora.LoraFile;
import dev.step1x.engine.lora.LoraTargets;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * The LoRA adapters requests may name ({@code params.adapter.name}), from {@code worker.lora.catalog.NAME=LOCATION}
 * where LOCATION is {@code s3://bucket/key} or a file path. Resolved once at start-up: S3 objects are downloaded into
 * a local folder, every file's header is checked against the DiT's LoRA targets (names and shapes, no weights read).
 * An adapter that does not fit (or whose file cannot be read) stays in the catalog as incompatible, so its requests
 * are answered ADAPTER_INCOMPATIBLE with the reasons instead of stopping the whole worker for one bad file; a name
 * outside the catalog is ADAPTER_UNKNOWN. Only catalog names reach the engine: a request can never point the worker
 * at a file of its choosing.
 */
public final class AdapterCatalog {

    /** Catalog names: what the request schema's {@code params.adapter.name} allows. */
    public static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,63}");

    /** Reads one S3 object (the worker's object store, with its retries and allow-lists). */
    @FunctionalInterface
    public interface Downloader {
        byte[] get(String bucket, String key) throws IOException;
    }

    /** What a name resolves to. */
    public sealed interface Entry permits Ready, Incompatible, Unknown {
        String name();
    }

    /** A checked adapter file, ready for the engine to load. */
    public record Ready(String name, Path file, String location) implements Entry {}

    /** A catalog entry the model cannot use, with every reason. */
    public record Incompatible(String name, String location, List<String> problems) implements Entry {

        public String message() {
            return "adapter '" + name + "' (" + location + ") does not fit this model: " + String.join("; ", problems);
        }
    }

    /** A name the catalog does not have. */
    public record Unknown(String name, List<String> known) implements Entry {

        public String message() {
            return "adapter '" + name + "' is not in this worker's catalog (known: "
                    + (known.isEmpty() ? "none" : String.join(", ", known)) + ")";
        }
    }

    private final Map<String, Entry> entries;

    private AdapterCatalog(Map<String, Entry> entries) {
        this.entries = Map.copyOf(entries);
    }

    /** No adapters: every name is unknown. */
    public static AdapterCatalog empty() {
        return new AdapterCatalog(Map.of());
    }

    /**
     * Resolves and checks the configured catalog.
     *
     * @param locations   name to {@code s3://bucket/key} or a file path
     * @param downloadDir where S3 adapters are written (created when needed)
     * @param targets     the DiT's LoRA targets; {@code null} skips the shape check (the simulated engine)
     * @throws IllegalArgumentException for a name that is not a catalog name or an empty location: a configuration
     *                                  error, reported before the worker starts
     */
    public static AdapterCatalog resolve(Map<String, String> locations, Path downloadDir, Downloader downloader,
            LoraTargets targets) {
        Map<String, Entry> out = new TreeMap<>();
        for (Map.Entry<String, String> e : new TreeMap<>(locations).entrySet()) {
            String name = e.getKey();
            String location = e.getValue() == null ? "" : e.getValue().trim();
            if (!NAME.matcher(name).matches()) {
                throw new IllegalArgumentException("worker.lora.catalog." + name + ": '" + name + "' is not an adapter "
                        + "name (1-64 of a-z 0-9 . _ -, starting with a letter or digit)");
            }
            if (location.isEmpty()) {
                throw new IllegalArgumentException("worker.lora.catalog." + name + " is empty: give s3://bucket/key or "
                        + "a file path");
            }
            out.put(name, check(name, location, downloadDir, downloader, targets));
        }
        return new AdapterCatalog(out);
    }

    private static Entry check(String name, String location, Path downloadDir, Downloader downloader,
            LoraTargets targets) {
        Path file;
        try {
            file = location.startsWith("s3://") ? download(name, location, downloadDir, downloader) : Path.of(location);
            if (!Files.isRegularFile(file)) {
                return new Incompatible(name, location, List.of("no such file " + file));
            }
        } catch (IOException | RuntimeException e) {
            return new Incompatible(name, location, List.of("cannot be fetched: " + e.getMessage()));
        }
        List<String> problems = targets == null ? List.of() : LoraFile.problems(file, targets);
        if (!problems.isEmpty()) {
            return new Incompatible(name, location, problems);
        }
        return new Ready(name, file, location);
    }

    private static Path download(String name, String location, Path dir, Downloader downloader) throws IOException {
        String rest = location.substring("s3://".length());
        int slash = rest.indexOf('/');
        if (slash <= 0 || slash == rest.length() - 1) {
            throw new IOException("'" + location + "' is not s3://bucket/key");
        }
        byte[] bytes = downloader.get(rest.substring(0, slash), rest.substring(slash + 1));
        Files.createDirectories(dir);
        Path file = dir.resolve(name + ".safetensors");
        // written beside and moved, so a crash never leaves a half file that a later start would trust
        Path partial = Files.createTempFile(dir, name, ".part");
        Files.write(partial, bytes);
        Files.move(partial, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return file;
    }

    /** What {@code name} resolves to. */
    public Entry lookup(String name) {
        Entry e = entries.get(name);
        return e != null ? e : new Unknown(name, names());
    }

    /** Every catalog name, sorted. */
    public List<String> names() {
        return List.copyOf(new TreeMap<>(entries).keySet());
    }

    /** The adapters the engine can load, by name. */
    public Map<String, Path> ready() {
        Map<String, Path> out = new LinkedHashMap<>();
        for (Entry e : new TreeMap<>(entries).values()) {
            if (e instanceof Ready r) {
                out.put(r.name(), r.file());
            }
        }
        return out;
    }

    /** The incompatible entries (logged at start-up). */
    public List<Incompatible> incompatible() {
        List<Incompatible> out = new ArrayList<>();
        for (Entry e : new TreeMap<>(entries).values()) {
            if (e instanceof Incompatible i) {
                out.add(i);
            }
        }
        return out;
    }

    public boolean isEmpty() {
        return entries.isEmpty();
    }
}
