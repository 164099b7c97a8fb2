package dev.step1x.worker.architecture;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The worker's structure, read from its sources (worker/app/src/main/java): no two packages depend on each other,
 * directly or round a longer cycle; the composition root ({@code config}) is imported by nothing; no class is longer
 * than 300 lines; no reflection. A dependency is any mention of another package's class: an import, a fully
 * qualified name in code, or one in a Javadoc link.
 */
class PackageRulesTest {

    static final String ROOT = "dev.step1x.worker";
    static final String COMPOSITION_ROOT = "config";
    static final int MAX_LINES = 300;
    static final Pattern MENTION = Pattern.compile("\\bdev\\.step1x\\.worker\\.([a-z][a-z0-9]*)\\.[A-Za-z]");
    static final Pattern REFLECTION = Pattern.compile("java\\.lang\\.reflect|Class\\.forName|\\.getDeclared(Method|Field|"
            + "Constructor)s?\\(|\\.getMethod\\(|\\.setAccessible\\(|\\.newInstance\\(|MethodHandles\\.");

    /** One source file: its package (first segment below the root; "" for the root itself) and its text. */
    record Source(Path path, String pkg, String text) {}

    static List<Source> sources;

    @BeforeAll
    static void read() throws IOException {
        Path dir = Path.of("src/main/java/dev/step1x/worker");
        if (!Files.isDirectory(dir)) {
            dir = Path.of("worker/app/src/main/java/dev/step1x/worker"); // run from the repository root
        }
        Path base = dir;
        try (Stream<Path> files = Files.walk(dir)) {
            sources = files.filter(p -> p.toString().endsWith(".java")).sorted().map(p -> {
                try {
                    Path rel = base.relativize(p);
                    String pkg = rel.getNameCount() == 1 ? "" : rel.getName(0).toString();
                    return new Source(p, pkg, Files.readString(p));
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            }).toList();
        }
        assertThat(sources).as("worker sources under " + dir.toAbsolutePath()).hasSizeGreaterThan(20);
    }

    /** Package -> packages it mentions -> one example ("File.java: dev.step1x.worker.x.Y"). */
    static Map<String, Map<String, String>> dependencies(List<Source> sources) {
        Map<String, Map<String, String>> deps = new TreeMap<>();
        for (Source s : sources) {
            Map<String, String> out = deps.computeIfAbsent(s.pkg(), k -> new TreeMap<>());
            String body = s.text().replaceFirst("(?m)^package [^;]+;", "");
            Matcher m = MENTION.matcher(body);
            while (m.find()) {
                String target = m.group(1);
                if (!target.equals(s.pkg())) {
                    out.putIfAbsent(target, s.path().getFileName() + " mentions " + ROOT + "." + target + "...");
                }
            }
        }
        return deps;
    }

    /** The strongly connected groups of more than one package (Tarjan). */
    static List<Set<String>> cycles(Map<String, ? extends Map<String, ?>> graph) {
        Map<String, Integer> index = new HashMap<>();
        Map<String, Integer> low = new HashMap<>();
        Deque<String> stack = new ArrayDeque<>();
        Set<String> onStack = new TreeSet<>();
        List<Set<String>> out = new ArrayList<>();
        int[] next = {0};
        for (String v : graph.keySet()) {
            if (!index.containsKey(v)) {
                strongConnect(v, graph, index, low, stack, onStack, out, next);
            }
        }
        return out;
    }

    private static void strongConnect(String v, Map<String, ? extends Map<String, ?>> graph, Map<String, Integer> index,
            Map<String, Integer> low, Deque<String> stack, Set<String> onStack, List<Set<String>> out, int[] next) {
        index.put(v, next[0]);
        low.put(v, next[0]);
        next[0]++;
        stack.push(v);
        onStack.add(v);
        Map<String, ?> edges = graph.get(v);
        for (String w : edges == null ? Set.<String>of() : edges.keySet()) {
            if (!index.containsKey(w)) {
                strongConnect(w, graph, index, low, stack, onStack, out, next);
                low.put(v, Math.min(low.get(v), low.get(w)));
            } else if (onStack.contains(w)) {
                low.put(v, Math.min(low.get(v), index.get(w)));
            }
        }
        if (low.get(v).equals(index.get(v))) {
            Set<String> group = new TreeSet<>();
            String w;
            do {
                w = stack.pop();
                onStack.remove(w);
                group.add(w);
            } while (!w.equals(v));
            if (group.size() > 1) {
                out.add(group);
            }
        }
    }

    @Test
    void noTwoPackagesDependOnEachOther() {
        Map<String, Map<String, String>> deps = dependencies(sources);
        List<String> problems = new ArrayList<>();
        for (Set<String> cycle : cycles(deps)) {
            StringBuilder b = new StringBuilder("cycle between " + cycle + ":");
            for (String from : cycle) {
                deps.get(from).forEach((to, example) -> {
                    if (cycle.contains(to)) {
                        b.append("\n  ").append(from.isEmpty() ? "(root)" : from).append(" -> ").append(to)
                                .append(" (").append(example).append(")");
                    }
                });
            }
            problems.add(b.toString());
        }
        assertThat(problems).as(String.join("\n", problems)).isEmpty();
    }

    @Test
    void onlyTheCompositionRootReadsTheConfiguration() {
        List<String> readers = new ArrayList<>();
        dependencies(sources).forEach((from, to) -> {
            if (!from.equals(COMPOSITION_ROOT) && to.containsKey(COMPOSITION_ROOT)) {
                readers.add(to.get(COMPOSITION_ROOT));
            }
        });
        assertThat(readers).as("components get settings records; they do not read " + COMPOSITION_ROOT + "/").isEmpty();
    }

    @Test
    void noClassIsLongerThan300Lines() {
        List<String> tooLong = sources.stream().filter(s -> s.text().lines().count() > MAX_LINES)
                .map(s -> s.path().getFileName() + ": " + s.text().lines().count() + " lines").toList();
        assertThat(tooLong).isEmpty();
    }

    @Test
    void noReflection() {
        List<String> uses = new ArrayList<>();
        for (Source s : sources) {
            Matcher m = REFLECTION.matcher(s.text());
            while (m.find()) {
                uses.add(s.path().getFileName() + ": " + m.group());
            }
        }
        assertThat(uses).isEmpty();
    }

    /** The checks themselves find what they look for. */
    @Test
    void theChecksCatchACycleAnImportOfTheRootAndReflection() {
        List<Source> bad = List.of(
                new Source(Path.of("A.java"), "a", "package dev.step1x.worker.a;\nimport dev.step1x.worker.b.B;\n"),
                new Source(Path.of("B.java"), "b", "package dev.step1x.worker.b;\n/** {@link dev.step1x.worker.c.C} */\n"),
                new Source(Path.of("C.java"), "c", "package dev.step1x.worker.c;\nclass C { dev.step1x.worker.a.A a; }\n"),
                new Source(Path.of("D.java"), "d", "package dev.step1x.worker.d;\nimport dev.step1x.worker.config.X;\n"));
        Map<String, Map<String, String>> deps = dependencies(bad);
        assertThat(cycles(deps)).containsExactly(Set.of("a", "b", "c"));
        assertThat(deps.get("d")).containsKey(COMPOSITION_ROOT);
        assertThat(cycles(Map.of("x", Map.of("y", ""), "y", Map.of()))).isEmpty();
        assertThat(REFLECTION.matcher("Class.forName(\"x\")").find()).isTrue();
        assertThat(REFLECTION.matcher("m.setAccessible(true)").find()).isTrue();
    }
}
