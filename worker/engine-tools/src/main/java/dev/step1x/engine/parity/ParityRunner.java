package dev.step1x.engine.parity;

import dev.step1x.engine.nn.Precision;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.step1x.engine.runtime.EngineRuntime;
import dev.step1x.engine.weights.SafetensorsFile;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Runs every golden case and weight check of a parity directory and reports one row per compared
 * tensor. A case without a registered component is NOT IMPLEMENTED, never PASS.
 */
public final class ParityRunner {

    public enum Status {
        PASS, FAIL, NOT_IMPLEMENTED;

        @Override
        public String toString() {
            return name().replace('_', ' ');
        }
    }

    /**
     * @param maxAbsDiff NaN when not applicable
     * @param exactFraction the fraction of exactly equal values where the tolerance asks for one (uint8 images), else NaN
     */
    public record Row(String caseName, String tensor, double maxAbsDiff, double exactFraction, String tolerance,
            Status status, String note) {

        public Row(String caseName, String tensor, double maxAbsDiff, String tolerance, Status status, String note) {
            this(caseName, tensor, maxAbsDiff, Double.NaN, tolerance, status, note);
        }

        static Row of(String caseName, String tensor, Tolerance tolerance, TensorComparison.Result r) {
            return new Row(caseName, tensor, r.maxAbsDiff(), tolerance.minExactFraction() > 0 ? r.exactFraction() : Double.NaN,
                    tolerance.toString(), r.pass() ? Status.PASS : Status.FAIL, r.note());
        }
    }

    /** All rows of one run. */
    public record Report(List<Row> rows) {
        public long count(Status s) {
            return rows.stream().filter(r -> r.status() == s).count();
        }

        public boolean failed() {
            return count(Status.FAIL) > 0;
        }

        public void print(PrintStream out) {
            String fmt = "%-44s %-38s %13s %8s %-26s %s%n";
            out.printf(Locale.ROOT, fmt, "case", "tensor", "max abs diff", "exact", "tolerance", "status");
            for (Row r : rows) {
                String diff = Double.isNaN(r.maxAbsDiff()) ? "-" : String.format(Locale.ROOT, "%.3e", r.maxAbsDiff());
                String exact = Double.isNaN(r.exactFraction()) ? "" : String.format(Locale.ROOT, "%.3f%%",
                        100 * r.exactFraction());
                String status = r.status() + (r.note().isEmpty() ? "" : "  (" + r.note() + ")");
                out.printf(Locale.ROOT, fmt, r.caseName(), r.tensor(), diff, exact, r.tolerance(), status);
            }
            out.printf(Locale.ROOT, "%d passed, %d failed, %d not implemented%n",
                    count(Status.PASS), count(Status.FAIL), count(Status.NOT_IMPLEMENTED));
        }
    }

    private final EngineRuntime runtime;
    private final Map<String, ParityComponent> components;
    private final Precision precision;

    /** @param components case name -> component; cases without one are reported NOT IMPLEMENTED */
    public ParityRunner(EngineRuntime runtime, Map<String, ParityComponent> components) {
        this(runtime, components, Precision.FP32);
    }

    /**
     * @param precision FP32 compares with the sets' own tolerances; FP16 runs the DiT, connector and Qwen in
     *     float16 and compares with {@link ParityCatalog#fp16Tolerance} (the golden tensors stay float32)
     */
    public ParityRunner(EngineRuntime runtime, Map<String, ParityComponent> components, Precision precision) {
        this.runtime = runtime;
        this.components = components;
        this.precision = precision;
    }

    /** Every weight check and case of the directory. */
    public Report run(Path parityDir) throws IOException {
        return run(parityDir, Set.of());
    }

    /**
     * @param only case names to run (empty: all cases and the weight checks); a name that is not a case
     *     of the directory is an error naming the cases there
     */
    public Report run(Path parityDir, Set<String> only) throws IOException {
        List<ParityCase> cases = ParityCatalog.cases(parityDir);
        List<String> unknown = only.stream().filter(n -> cases.stream().noneMatch(c -> c.name().equals(n)))
                .sorted().toList();
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("no parity case " + unknown + " in " + parityDir + " (cases: "
                    + cases.stream().map(ParityCase::name).toList() + ")");
        }
        List<Row> rows = new ArrayList<>();
        if (only.isEmpty()) {
            for (WeightCheck check : WeightCheck.all(parityDir)) {
                rows.add(check.run(runtime));
            }
        }
        for (ParityCase c : cases) {
            if (only.isEmpty() || only.contains(c.name())) {
                rows.addAll(runCase(c));
            }
        }
        return new Report(rows);
    }

    /** The component registered under the case's name, else the one registered for its whole set ({@code "<set>/*"}). */
    ParityComponent componentFor(ParityCase c) {
        ParityComponent byName = components.get(c.name());
        return byName != null ? byName : components.get(c.set() + "/*");
    }

    /** Runs one case with its registered component (NOT IMPLEMENTED without one). */
    public List<Row> runCase(ParityCase c) {
        String label = c.set() + "/" + c.name();
        ParityComponent component = componentFor(c);
        if (component == null) {
            return List.of(new Row(label, c.outputs().size() + " outputs", Double.NaN, "-",
                    Status.NOT_IMPLEMENTED, ""));
        }
        List<Row> rows = new ArrayList<>();
        try (NDManager manager = runtime.newManager(); SafetensorsFile file = SafetensorsFile.open(c.file())) {
            CaseData data = new CaseData(c, file, manager, precision, runtime);
            Map<String, NDArray> actual = component.run(manager, data);
            for (Map.Entry<String, Tolerance> golden : c.outputs().entrySet()) {
                Map.Entry<String, Tolerance> out = precision == Precision.FP16
                        ? Map.entry(golden.getKey(), ParityCatalog.fp16Tolerance(c, golden.getKey(), golden.getValue()))
                        : golden;
                NDArray a = actual.get(out.getKey());
                if (a == null) {
                    rows.add(new Row(label, out.getKey(), Double.NaN, out.getValue().toString(), Status.FAIL,
                            "component produced no such output"));
                    continue;
                }
                NDArray expected = file.load(manager, out.getKey());
                rows.add(Row.of(label, out.getKey(), out.getValue(), TensorComparison.compare(a, expected, out.getValue())));
            }
            for (CaseData.ExtraCheck check : data.extraChecks()) {
                rows.add(Row.of(label, check.label(), check.tolerance(),
                        TensorComparison.compare(check.actual(), check.expected(), check.tolerance())));
            }
        } catch (Exception | LinkageError e) { // LinkageError: e.g. a runtime without java.desktop for ImageIO
            rows.add(new Row(label, "(component)", Double.NaN, "-", Status.FAIL,
                    e.getClass().getSimpleName() + ": " + e.getMessage()));
        }
        return rows;
    }
}
