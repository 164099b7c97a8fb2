package dev.step1x.loadtest.gen;

import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The request mix: weights (need not sum to 1) over size levels, input aspect ratios, steps, guidance scales,
 * task types and bad-request kinds, plus the Chinese share, the bad share, the JPEG output share and the long
 * side of the generated input images.
 *
 * @param name            preset name
 * @param sizeLevels      size level (512, 768, 1024) to weight
 * @param aspects         input aspect ratio to weight
 * @param steps           denoising steps to weight
 * @param guidance        guidance scale to weight
 * @param chineseShare    share of requests with the Chinese instruction (GEdit-Bench: 0.5, every sample in both)
 * @param tasks           task type to weight (default: GEdit-Bench's per-type counts)
 * @param badShare        share of bad requests (0..1)
 * @param badKinds        bad kind to weight
 * @param jpegOutputShare share of good requests asking for JPEG output
 * @param inputLongSide   long side of the generated inputs in pixels
 */
public record Profile(
        String name,
        Map<Integer, Double> sizeLevels,
        Map<Aspect, Double> aspects,
        Map<Integer, Double> steps,
        Map<Double, Double> guidance,
        double chineseShare,
        Map<TaskType, Double> tasks,
        double badShare,
        Map<BadKind, Double> badKinds,
        double jpegOutputShare,
        int inputLongSide) {

    public static final List<String> PRESETS = List.of("gedit", "ci", "square-1024", "square-512");

    public Profile {
        Objects.requireNonNull(name);
        for (Map<?, Double> m : List.of(sizeLevels, aspects, steps, guidance, tasks, badKinds)) {
            if (m.isEmpty() || m.values().stream().anyMatch(w -> w < 0) || m.values().stream().mapToDouble(d -> d).sum() <= 0) {
                throw new IllegalArgumentException("profile " + name + ": every weight map needs a positive total");
            }
        }
        for (int s : sizeLevels.keySet()) {
            if (s != 512 && s != 768 && s != 1024) {
                throw new IllegalArgumentException("size levels are 512, 768 or 1024, got " + s);
            }
        }
        if (badShare < 0 || badShare > 1 || chineseShare < 0 || chineseShare > 1 || jpegOutputShare < 0
                || jpegOutputShare > 1) {
            throw new IllegalArgumentException("shares must be within 0..1");
        }
        if (inputLongSide < 16 || inputLongSide > 4096) {
            throw new IllegalArgumentException("input long side must be 16..4096, got " + inputLongSide);
        }
    }

    /**
     * A preset: {@code gedit} (the default mix: three size levels, five aspect ratios, mostly 28 steps, GEdit
     * task proportions, EN/CN half and half), {@code ci} (two sizes, two ratios, 28 steps: few buckets so
     * small runs still batch), {@code square-1024} and {@code square-512} (one bucket; benchmarks).
     */
    public static Profile preset(String name) {
        return switch (name) {
            case "gedit" -> new Profile("gedit",
                    ordered(512, 0.25, 768, 0.25, 1024, 0.5),
                    ordered(new Aspect(1, 1), 0.4, new Aspect(4, 3), 0.2, new Aspect(3, 4), 0.2, new Aspect(16, 9), 0.1,
                            new Aspect(9, 16), 0.1),
                    ordered(28, 0.85, 20, 0.1, 50, 0.05),
                    ordered(6.0, 0.7, 4.5, 0.15, 7.5, 0.15),
                    0.5, benchTasks(), 0.02, defaultBadKinds(), 0.1, 320);
            case "ci" -> new Profile("ci",
                    ordered(512, 0.5, 1024, 0.5),
                    ordered(new Aspect(1, 1), 0.6, new Aspect(4, 3), 0.4),
                    ordered(28, 1.0),
                    ordered(6.0, 0.8, 4.5, 0.2),
                    0.5, benchTasks(), 0.0, defaultBadKinds(), 0.1, 256);
            case "square-1024" -> new Profile("square-1024", ordered(1024, 1.0), ordered(new Aspect(1, 1), 1.0),
                    ordered(28, 1.0), ordered(6.0, 1.0), 0.5, benchTasks(), 0.0, defaultBadKinds(), 0.0, 256);
            case "square-512" -> new Profile("square-512", ordered(512, 1.0), ordered(new Aspect(1, 1), 1.0),
                    ordered(28, 1.0), ordered(6.0, 1.0), 0.5, benchTasks(), 0.0, defaultBadKinds(), 0.0, 256);
            default -> throw new IllegalArgumentException("unknown profile '" + name + "' (presets: " + PRESETS + ")");
        };
    }

    /**
     * A preset name, or a {@code .properties} file that starts from preset {@code base} (default gedit) and
     * overrides any of: {@code sizes=512:0.25,768:0.25,1024:0.5}, {@code aspects=1x1:0.4,4x3:0.2},
     * {@code steps=28:0.9,50:0.1}, {@code guidance=6.0:0.8,4.5:0.2}, {@code chinese-share=0.5},
     * {@code tasks=text_change:99,subject-add:60} (GEdit-Bench keys; listed types only),
     * {@code bad-share=0.02}, {@code bad-kinds=pixel-bomb:1,unparseable:1}, {@code jpeg-share=0.1},
     * {@code input-long-side=320}. The profile's name is the file name.
     */
    public static Profile load(String nameOrFile) {
        if (!nameOrFile.endsWith(".properties")) {
            return preset(nameOrFile);
        }
        java.util.Properties p = new java.util.Properties();
        try (java.io.Reader r = java.nio.file.Files.newBufferedReader(java.nio.file.Path.of(nameOrFile))) {
            p.load(r);
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("cannot read profile " + nameOrFile + ": " + e.getMessage(), e);
        }
        Profile b = preset(p.getProperty("base", "gedit"));
        String fileName = java.nio.file.Path.of(nameOrFile).getFileName().toString();
        return new Profile(fileName.substring(0, fileName.length() - ".properties".length()),
                p.containsKey("sizes") ? weights(p.getProperty("sizes"), Integer::parseInt) : b.sizeLevels,
                p.containsKey("aspects") ? weights(p.getProperty("aspects"), x -> Aspect.parse(x.replace('x', ':')))
                        : b.aspects,
                p.containsKey("steps") ? weights(p.getProperty("steps"), Integer::parseInt) : b.steps,
                p.containsKey("guidance") ? weights(p.getProperty("guidance"), Double::parseDouble) : b.guidance,
                Double.parseDouble(p.getProperty("chinese-share", Double.toString(b.chineseShare))),
                p.containsKey("tasks") ? weights(p.getProperty("tasks"), TaskType::ofKey) : b.tasks,
                Double.parseDouble(p.getProperty("bad-share", Double.toString(b.badShare))),
                p.containsKey("bad-kinds") ? weights(p.getProperty("bad-kinds"), Profile::badKind) : b.badKinds,
                Double.parseDouble(p.getProperty("jpeg-share", Double.toString(b.jpegOutputShare))),
                Integer.parseInt(p.getProperty("input-long-side", Integer.toString(b.inputLongSide))));
    }

    private static BadKind badKind(String key) {
        for (BadKind k : BadKind.values()) {
            if (k.key().equals(key)) {
                return k;
            }
        }
        throw new IllegalArgumentException("unknown bad kind '" + key + "'");
    }

    /** Parses {@code key:weight,key:weight}; the weight is after the last colon. */
    static <K> Map<K, Double> weights(String spec, java.util.function.Function<String, K> key) {
        Map<K, Double> m = new LinkedHashMap<>();
        for (String part : spec.split(",")) {
            String t = part.trim();
            if (t.isEmpty()) {
                continue;
            }
            int colon = t.lastIndexOf(':');
            if (colon <= 0) {
                throw new IllegalArgumentException("expected key:weight, got '" + t + "'");
            }
            m.put(key.apply(t.substring(0, colon).trim()), Double.parseDouble(t.substring(colon + 1).trim()));
        }
        return m;
    }

    public Profile withBadShare(double share) {
        return new Profile(name, sizeLevels, aspects, steps, guidance, chineseShare, tasks, share, badKinds,
                jpegOutputShare, inputLongSide);
    }

    public Profile withInputLongSide(int px) {
        return new Profile(name, sizeLevels, aspects, steps, guidance, chineseShare, tasks, badShare, badKinds,
                jpegOutputShare, px);
    }

    /** The same mix at one size level. */
    public Profile withSizeLevel(int size) {
        return new Profile(name, ordered(size, 1.0), aspects, steps, guidance, chineseShare, tasks, badShare, badKinds,
                jpegOutputShare, inputLongSide);
    }

    public Profile withSteps(int s) {
        return new Profile(name, sizeLevels, aspects, ordered(s, 1.0), guidance, chineseShare, tasks, badShare,
                badKinds, jpegOutputShare, inputLongSide);
    }

    /** GEdit-Bench's per-type sample counts as weights. */
    public static Map<TaskType, Double> benchTasks() {
        Map<TaskType, Double> m = new EnumMap<>(TaskType.class);
        for (TaskType t : TaskType.values()) {
            m.put(t, (double) t.benchCount());
        }
        return m;
    }

    static Map<BadKind, Double> defaultBadKinds() {
        Map<BadKind, Double> m = new EnumMap<>(BadKind.class);
        m.put(BadKind.INVALID_SCHEMA, 0.2);
        m.put(BadKind.UNPARSEABLE, 0.15);
        m.put(BadKind.MISSING_INPUT, 0.15);
        m.put(BadKind.CORRUPT_IMAGE, 0.15);
        m.put(BadKind.PIXEL_BOMB, 0.15);
        m.put(BadKind.BUCKET_NOT_ALLOWED, 0.1);
        m.put(BadKind.EXPIRED, 0.1);
        return m;
    }

    /** Expected share of each size level among good requests (weights normalised). */
    public Map<Integer, Double> sizeShares() {
        double total = sizeLevels.values().stream().mapToDouble(d -> d).sum();
        Map<Integer, Double> m = new LinkedHashMap<>();
        sizeLevels.forEach((k, v) -> m.put(k, v / total));
        return m;
    }

    @SuppressWarnings("unchecked")
    private static <K> Map<K, Double> ordered(Object... kv) {
        Map<K, Double> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((K) kv[i], ((Number) kv[i + 1]).doubleValue());
        }
        return m;
    }
}
