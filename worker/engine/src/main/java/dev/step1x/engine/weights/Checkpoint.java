package dev.step1x.engine.weights;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * The tensors of one model, from a single safetensors file or from shards listed by a
 * {@code *.safetensors.index.json} ({@code weight_map: key -> shard file}). Keys are unique across shards.
 */
public final class Checkpoint implements AutoCloseable {

    private final String description;
    private final List<SafetensorsFile> files;
    private final Map<String, TensorInfo> tensors;
    private final Map<Path, SafetensorsFile> byPath;

    private Checkpoint(String description, List<SafetensorsFile> files, Map<String, TensorInfo> tensors) {
        this.description = description;
        this.files = files;
        this.tensors = Collections.unmodifiableMap(tensors);
        this.byPath = new LinkedHashMap<>();
        for (SafetensorsFile f : files) {
            byPath.put(f.path(), f);
        }
    }

    /**
     * Opens a checkpoint: a {@code .safetensors} file, a {@code .safetensors.index.json}, or a directory
     * holding exactly one index file or else its {@code *.safetensors} files.
     */
    public static Checkpoint open(Path path) throws IOException {
        if (Files.isDirectory(path)) {
            List<Path> indexes;
            List<Path> shards;
            try (Stream<Path> s = Files.list(path)) {
                List<Path> all = s.sorted().toList();
                indexes = all.stream().filter(p -> p.getFileName().toString().endsWith(".safetensors.index.json")).toList();
                shards = all.stream().filter(p -> p.getFileName().toString().endsWith(".safetensors")).toList();
            }
            if (indexes.size() > 1) {
                throw new IOException(path + ": several index files " + indexes + "; open one of them");
            }
            if (indexes.size() == 1) {
                return openIndex(indexes.get(0));
            }
            if (shards.isEmpty()) {
                throw new NoSuchFileException(path + ": no *.safetensors or *.safetensors.index.json in this directory");
            }
            return openFiles(path.toString(), shards);
        }
        if (path.getFileName().toString().endsWith(".index.json")) {
            return openIndex(path);
        }
        return openFiles(path.toString(), List.of(path));
    }

    /** Opens several files as one checkpoint; a key in two files is an error. */
    public static Checkpoint openFiles(String description, List<Path> paths) throws IOException {
        List<SafetensorsFile> files = new ArrayList<>();
        try {
            Map<String, TensorInfo> tensors = new LinkedHashMap<>();
            for (Path p : paths) {
                SafetensorsFile f = SafetensorsFile.open(p);
                files.add(f);
                for (TensorInfo t : f.tensors().values()) {
                    TensorInfo before = tensors.putIfAbsent(t.name(), t);
                    if (before != null) {
                        throw new SafetensorsFormatException("tensor '" + t.name() + "' is in both "
                                + before.file().getFileName() + " and " + p.getFileName());
                    }
                }
            }
            return new Checkpoint(description, files, tensors);
        } catch (IOException | RuntimeException e) {
            closeAll(files);
            throw e;
        }
    }

    /** Opens the shards an index names and checks that every key sits in the shard the index says. */
    public static Checkpoint openIndex(Path indexFile) throws IOException {
        JsonObject root;
        try {
            JsonElement e = JsonParser.parseString(Files.readString(indexFile));
            if (!e.isJsonObject()) {
                throw new SafetensorsFormatException(indexFile.getFileName() + ": not a JSON object");
            }
            root = e.getAsJsonObject();
        } catch (JsonParseException e) {
            throw new SafetensorsFormatException(indexFile.getFileName() + ": not valid JSON: " + e.getMessage(), e);
        }
        JsonElement map = root.get("weight_map");
        if (map == null || !map.isJsonObject()) {
            throw new SafetensorsFormatException(indexFile.getFileName() + ": missing object 'weight_map'");
        }
        Map<String, String> keyToShard = new LinkedHashMap<>();
        TreeSet<String> shardNames = new TreeSet<>();
        for (Map.Entry<String, JsonElement> e : map.getAsJsonObject().entrySet()) {
            if (!e.getValue().isJsonPrimitive() || !e.getValue().getAsJsonPrimitive().isString()) {
                throw new SafetensorsFormatException(indexFile.getFileName() + ": weight_map." + e.getKey()
                        + " must be a file name string");
            }
            String shard = e.getValue().getAsString();
            if (shard.contains("/") || shard.contains("\\") || shard.equals("..")) {
                throw new SafetensorsFormatException(indexFile.getFileName() + ": weight_map." + e.getKey()
                        + " names '" + shard + "', which is not a plain file name in the index's directory");
            }
            keyToShard.put(e.getKey(), shard);
            shardNames.add(shard);
        }
        Path dir = indexFile.toAbsolutePath().getParent();
        List<String> missingShards = shardNames.stream().filter(s -> !Files.isRegularFile(dir.resolve(s))).toList();
        if (!missingShards.isEmpty()) {
            throw new NoSuchFileException(indexFile.getFileName() + ": shard files missing from " + dir + ": " + missingShards);
        }
        Checkpoint ckpt = openFiles(indexFile.toString(), shardNames.stream().map(dir::resolve).toList());
        List<String> problems = new ArrayList<>();
        for (Map.Entry<String, String> e : keyToShard.entrySet()) {
            TensorInfo t = ckpt.tensors.get(e.getKey());
            if (t == null) {
                problems.add(e.getKey() + " (index says " + e.getValue() + ", not in that shard)");
            } else if (!t.file().getFileName().toString().equals(e.getValue())) {
                problems.add(e.getKey() + " (index says " + e.getValue() + ", found in " + t.file().getFileName() + ")");
            }
        }
        for (String key : ckpt.tensors.keySet()) {
            if (!keyToShard.containsKey(key)) {
                problems.add(key + " (in " + ckpt.tensors.get(key).file().getFileName() + ", not in the index)");
            }
        }
        if (!problems.isEmpty()) {
            ckpt.close();
            throw new SafetensorsFormatException(indexFile.getFileName() + ": index and shards disagree on "
                    + problems.size() + " keys: " + String.join("; ", problems));
        }
        return ckpt;
    }

    public String description() {
        return description;
    }

    public Map<String, TensorInfo> tensors() {
        return tensors;
    }

    public boolean contains(String key) {
        return tensors.containsKey(key);
    }

    public TensorInfo info(String key) {
        TensorInfo t = tensors.get(key);
        if (t == null) {
            throw new IllegalArgumentException(description + ": no tensor named '" + key + "'");
        }
        return t;
    }

    /** Loads one tensor; see {@link SafetensorsFile#load(NDManager, TensorInfo, DataType)}. */
    public NDArray load(NDManager manager, String key, DataType target) throws IOException {
        TensorInfo t = info(key);
        return byPath.get(t.file()).load(manager, t, target);
    }

    /** One tensor as 8-bit float bytes; see {@link SafetensorsFile#loadFloat8Codes}. */
    public Float8Codes loadFloat8Codes(NDManager manager, String key, Float8.Overflow overflow) throws IOException {
        TensorInfo t = info(key);
        return byPath.get(t.file()).loadFloat8Codes(manager, t, overflow);
    }

    @Override
    public void close() throws IOException {
        closeAll(files);
    }

    private static void closeAll(List<SafetensorsFile> files) throws IOException {
        IOException first = null;
        for (SafetensorsFile f : files) {
            try {
                f.close();
            } catch (IOException e) {
                if (first == null) {
                    first = e;
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
