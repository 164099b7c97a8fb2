package dev.step1x.engine.cli;

import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** {@code --name value} options and {@code --flag} switches of one command, each checked by the command. */
final class CliOptions {

    /** Bad usage; the message says what (exit code 2). */
    static final class UsageException extends Exception {
        UsageException(String message) {
            super(message);
        }
    }

    private final Map<String, String> values = new LinkedHashMap<>();
    private final Map<String, Boolean> flags = new LinkedHashMap<>();

    static CliOptions parse(List<String> args, Set<String> valueOptions, Set<String> flagOptions) throws UsageException {
        CliOptions o = new CliOptions();
        Deque<String> rest = new ArrayDeque<>(args);
        while (!rest.isEmpty()) {
            String a = rest.removeFirst();
            if (flagOptions.contains(a)) {
                o.flags.put(a, true);
            } else if (valueOptions.contains(a)) {
                if (rest.isEmpty() || (rest.peekFirst().startsWith("--") && !rest.peekFirst().equals("--"))) {
                    throw new UsageException(a + " needs a value");
                }
                o.values.put(a, rest.removeFirst());
            } else {
                throw new UsageException("unknown option '" + a + "'");
            }
        }
        return o;
    }

    boolean flag(String name) {
        return flags.getOrDefault(name, false);
    }

    String string(String name, String def) {
        return values.getOrDefault(name, def);
    }

    String required(String name) throws UsageException {
        String v = values.get(name);
        if (v == null) {
            throw new UsageException(name + " is required");
        }
        return v;
    }

    Path path(String name, Path def) {
        String v = values.get(name);
        return v == null ? def : Path.of(v);
    }

    Integer integer(String name, Integer def, int min, int max) throws UsageException {
        String v = values.get(name);
        if (v == null) {
            return def;
        }
        try {
            int i = Integer.parseInt(v.trim());
            if (i < min || i > max) {
                throw new UsageException(name + " must be in " + min + ".." + max + ", got " + i);
            }
            return i;
        } catch (NumberFormatException e) {
            throw new UsageException(name + " needs an integer, got '" + v + "'");
        }
    }

    long longValue(String name, long def) throws UsageException {
        String v = values.get(name);
        if (v == null) {
            return def;
        }
        try {
            return Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            throw new UsageException(name + " needs a 64-bit integer, got '" + v + "'");
        }
    }

    float number(String name, float def, float min, float max) throws UsageException {
        String v = values.get(name);
        if (v == null) {
            return def;
        }
        try {
            float f = Float.parseFloat(v.trim());
            if (!(f >= min && f <= max)) {
                throw new UsageException(name + " must be in " + min + ".." + max + ", got " + v);
            }
            return f;
        } catch (NumberFormatException e) {
            throw new UsageException(name + " needs a number, got '" + v + "'");
        }
    }
}
