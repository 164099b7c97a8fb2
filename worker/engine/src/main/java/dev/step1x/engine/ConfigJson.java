package dev.step1x.engine;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import com.google.gson.annotations.SerializedName;
import java.io.IOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads configuration records from JSON using the upstream field names given by each record
 * component's {@link SerializedName} (alternates accepted). Strict where Gson's own binding is
 * lenient: a field that is absent or null, or of the wrong JSON type (a string for an int, 4.5 for
 * an int, a number for a boolean), is an {@link InvalidConfigException} naming the dotted field.
 * Unknown fields are ignored (hub configs carry many). Value checks live in each record's
 * compact constructor, which throws {@link InvalidConfigException} with the JSON field name.
 *
 * <p>Supported component types: {@code int}, {@code long}, {@code double}, {@code boolean},
 * {@code String}, {@code List<Integer>}, and nested records (JSON objects).
 */
public final class ConfigJson {

    /** Writes records with their upstream names ({@link SerializedName}). */
    private static final Gson GSON = new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create();

    private ConfigJson() {}

    /** Parses a JSON text that must be an object. */
    public static JsonObject parseObject(String json, String source) {
        JsonElement root;
        try {
            root = JsonParser.parseString(json);
        } catch (JsonParseException e) {
            throw new IllegalArgumentException(source + ": not valid JSON: " + e.getMessage(), e);
        }
        if (root == null || !root.isJsonObject()) {
            throw new IllegalArgumentException(source + ": expected a JSON object");
        }
        return root.getAsJsonObject();
    }

    /** Reads a file that must hold a JSON object. */
    public static JsonObject readObject(Path file) throws IOException {
        return parseObject(Files.readString(file), file.toString());
    }

    /**
     * The object under {@code key} if the root has one (e.g. {@code "params"} in the parity
     * dit_config.json), else the root itself.
     */
    public static JsonObject section(JsonObject root, String key) {
        JsonElement e = root.get(key);
        return e != null && e.isJsonObject() ? e.getAsJsonObject() : root;
    }

    /**
     * Binds {@code obj} to record {@code type}. {@code path} is the dotted location of {@code obj}
     * in the file ("" for the root), prefixed to field names in errors; {@code source} names the
     * file (may be null).
     */
    public static <T extends Record> T read(JsonObject obj, Class<T> type, String path, String source) {
        try {
            return readRecord(obj, type, path);
        } catch (InvalidConfigException e) {
            throw source == null ? e : e.from(source);
        }
    }

    /** The record as JSON with the upstream field names. */
    public static String toJson(Record config) {
        return GSON.toJson(config);
    }

    /** The JSON name of a record component: its {@link SerializedName} value, else its Java name. */
    public static String jsonName(RecordComponent rc) {
        SerializedName sn = rc.getAccessor().getAnnotation(SerializedName.class);
        return sn != null ? sn.value() : rc.getName();
    }

    private static <T extends Record> T readRecord(JsonObject obj, Class<T> type, String path) {
        RecordComponent[] comps = type.getRecordComponents();
        Object[] args = new Object[comps.length];
        Class<?>[] types = new Class<?>[comps.length];
        for (int i = 0; i < comps.length; i++) {
            RecordComponent rc = comps[i];
            types[i] = rc.getType();
            String name = jsonName(rc);
            String fieldPath = join(path, name);
            JsonElement e = lookup(obj, rc, name);
            if (e == null) {
                throw new InvalidConfigException(fieldPath, "missing (required)");
            }
            args[i] = convert(e, rc.getGenericType(), fieldPath);
        }
        try {
            Constructor<T> ctor = type.getDeclaredConstructor(types);
            ctor.setAccessible(true);
            return ctor.newInstance(args);
        } catch (InvocationTargetException e) {
            Throwable cause = e.getCause();
            if (cause instanceof InvalidConfigException ice) {
                throw ice.under(path);
            }
            if (cause instanceof RuntimeException re) {
                throw re;
            }
            throw new IllegalStateException(cause);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot construct " + type.getName(), e);
        }
    }

    private static JsonElement lookup(JsonObject obj, RecordComponent rc, String name) {
        JsonElement e = obj.get(name);
        if (e != null && !e.isJsonNull()) {
            return e;
        }
        SerializedName sn = rc.getAccessor().getAnnotation(SerializedName.class);
        if (sn != null) {
            for (String alt : sn.alternate()) {
                JsonElement a = obj.get(alt);
                if (a != null && !a.isJsonNull()) {
                    return a;
                }
            }
        }
        return null;
    }

    @SuppressWarnings("unchecked")
    private static Object convert(JsonElement e, Type type, String fieldPath) {
        if (type == int.class) {
            return (int) integral(e, fieldPath, Integer.MIN_VALUE, Integer.MAX_VALUE, "an integer");
        }
        if (type == long.class) {
            return integral(e, fieldPath, Long.MIN_VALUE, Long.MAX_VALUE, "an integer");
        }
        if (type == double.class) {
            return number(e, fieldPath, "a number").doubleValue();
        }
        if (type == boolean.class) {
            if (e.isJsonPrimitive() && e.getAsJsonPrimitive().isBoolean()) {
                return e.getAsBoolean();
            }
            throw wrongType(fieldPath, "true or false", e);
        }
        if (type == String.class) {
            if (e.isJsonPrimitive() && e.getAsJsonPrimitive().isString()) {
                return e.getAsString();
            }
            throw wrongType(fieldPath, "a string", e);
        }
        if (type instanceof Class<?> c && c.isRecord()) {
            if (!e.isJsonObject()) {
                throw wrongType(fieldPath, "an object", e);
            }
            return readRecord(e.getAsJsonObject(), (Class<? extends Record>) c, fieldPath);
        }
        if (type instanceof ParameterizedType pt && pt.getRawType() == List.class
                && pt.getActualTypeArguments()[0] == Integer.class) {
            if (!e.isJsonArray()) {
                throw wrongType(fieldPath, "an array of integers", e);
            }
            JsonArray arr = e.getAsJsonArray();
            List<Integer> out = new ArrayList<>(arr.size());
            for (int i = 0; i < arr.size(); i++) {
                out.add((int) integral(arr.get(i), fieldPath + "[" + i + "]", Integer.MIN_VALUE, Integer.MAX_VALUE,
                        "an integer"));
            }
            return List.copyOf(out);
        }
        throw new IllegalStateException("unsupported config component type " + type + " for " + fieldPath);
    }

    private static BigDecimal number(JsonElement e, String fieldPath, String what) {
        if (e.isJsonPrimitive() && e.getAsJsonPrimitive().isNumber()) {
            try {
                return e.getAsBigDecimal();
            } catch (NumberFormatException ex) {
                throw wrongType(fieldPath, what, e);
            }
        }
        throw wrongType(fieldPath, what, e);
    }

    private static long integral(JsonElement e, String fieldPath, long min, long max, String what) {
        BigDecimal d = number(e, fieldPath, what);
        try {
            long v = d.stripTrailingZeros().longValueExact();
            if (v < min || v > max) {
                throw new InvalidConfigException(fieldPath, "value " + e + " is out of range");
            }
            return v;
        } catch (ArithmeticException ex) {
            throw wrongType(fieldPath, what, e);
        }
    }

    private static InvalidConfigException wrongType(String fieldPath, String expected, JsonElement got) {
        String shown = got instanceof JsonPrimitive p && p.isString() ? "the string " + got : String.valueOf(got);
        if (shown.length() > 80) {
            shown = shown.substring(0, 77) + "...";
        }
        return new InvalidConfigException(fieldPath, "expected " + expected + ", got " + shown);
    }

    private static String join(String path, String name) {
        return path == null || path.isEmpty() ? name : path + "." + name;
    }

    // ---- checks used by the records' compact constructors ----

    /** Requires {@code value > 0}. */
    public static void positive(String field, long value) {
        if (value <= 0) {
            throw new InvalidConfigException(field, "must be positive, got " + value);
        }
    }

    /** Requires {@code value > 0} and finite. */
    public static void positive(String field, double value) {
        if (!(value > 0) || Double.isInfinite(value)) {
            throw new InvalidConfigException(field, "must be a positive finite number, got " + value);
        }
    }

    /** Requires {@code value >= 0}. */
    public static void nonNegative(String field, long value) {
        if (value < 0) {
            throw new InvalidConfigException(field, "must not be negative, got " + value);
        }
    }

    /** Requires a non-null, finite value. */
    public static void finite(String field, double value) {
        if (!Double.isFinite(value)) {
            throw new InvalidConfigException(field, "must be a finite number, got " + value);
        }
    }

    /** Requires a non-null list of positive entries (of {@code size} entries if {@code size >= 0}); returns an immutable copy. */
    public static List<Integer> positiveList(String field, List<Integer> values, int size) {
        if (values == null) {
            throw new InvalidConfigException(field, "missing (required)");
        }
        if (size >= 0 && values.size() != size) {
            throw new InvalidConfigException(field, "must have " + size + " entries, got " + values.size() + " " + values);
        }
        if (values.isEmpty()) {
            throw new InvalidConfigException(field, "must not be empty");
        }
        for (int i = 0; i < values.size(); i++) {
            Integer v = values.get(i);
            if (v == null || v <= 0) {
                throw new InvalidConfigException(field, "entry " + i + " must be positive, got " + values);
            }
        }
        return List.copyOf(values);
    }

    /** Requires a non-null string. */
    public static String required(String field, String value) {
        if (value == null) {
            throw new InvalidConfigException(field, "missing (required)");
        }
        return value;
    }
}
