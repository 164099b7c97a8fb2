package dev.step1x.engine.weights;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Compares what a module tree expects ({@link WeightSpec}) with what a checkpoint holds, by exact key:
 * every expected key present with exactly the expected shape and a floating-point dtype, and no
 * checkpoint key left unused (except keys the caller names as ignorable, e.g. an LM head an encoder
 * never runs). All problems are reported at once, by name.
 */
public final class StrictLoader {

    private StrictLoader() {}

    /** One comparison of a spec with a checkpoint. */
    public record Report(String checkpoint, int expected, List<String> missing, List<String> unused,
            List<String> mismatched, List<String> ignored) {

        public boolean ok() {
            return missing.isEmpty() && unused.isEmpty() && mismatched.isEmpty();
        }

        /** One paragraph naming every problem. */
        public String describe() {
            if (ok()) {
                return checkpoint + ": all " + expected + " expected tensors present with the right shapes"
                        + (ignored.isEmpty() ? "" : " (" + ignored.size() + " ignored keys)");
            }
            StringBuilder sb = new StringBuilder(checkpoint).append(" does not match the model:");
            if (!missing.isEmpty()) {
                sb.append("\n  missing (").append(missing.size()).append("): ").append(String.join(", ", missing));
            }
            if (!mismatched.isEmpty()) {
                sb.append("\n  wrong shape or dtype (").append(mismatched.size()).append("): ")
                        .append(String.join(", ", mismatched));
            }
            if (!unused.isEmpty()) {
                sb.append("\n  unused (").append(unused.size()).append("): ").append(String.join(", ", unused));
            }
            return sb.toString();
        }
    }

    /** Thrown by {@link #requireMatch}: the message is {@link Report#describe()}. */
    public static final class WeightMismatchException extends IOException {
        private final transient Report report;

        public WeightMismatchException(Report report) {
            super(report.describe());
            this.report = report;
        }

        public Report report() {
            return report;
        }
    }

    public static Report check(WeightSpec spec, Map<String, TensorInfo> tensors, String description,
            Set<String> ignorable) {
        List<String> missing = new ArrayList<>();
        List<String> mismatched = new ArrayList<>();
        for (Map.Entry<String, long[]> e : spec.shapes().entrySet()) {
            TensorInfo t = tensors.get(e.getKey());
            if (t == null) {
                missing.add(e.getKey());
            } else if (!java.util.Arrays.equals(t.shape(), e.getValue())) {
                mismatched.add(e.getKey() + " is " + Shapes.str(t.shape()) + ", expected " + Shapes.str(e.getValue()));
            } else if (!t.dtype().isFloatingPoint()) {
                mismatched.add(e.getKey() + " has dtype " + t.dtype() + ", expected a float type (F32, F16, BF16, F8_E4M3, F8_E5M2)");
            }
        }
        List<String> unused = new ArrayList<>();
        List<String> ignored = new ArrayList<>();
        for (String key : tensors.keySet()) {
            if (!spec.shapes().containsKey(key)) {
                (ignorable.contains(key) ? ignored : unused).add(key);
            }
        }
        return new Report(description, spec.size(), missing, unused, mismatched, ignored);
    }

    public static Report check(WeightSpec spec, Checkpoint checkpoint) {
        return check(spec, checkpoint.tensors(), checkpoint.description(), Set.of());
    }

    public static Report requireMatch(WeightSpec spec, Checkpoint checkpoint, Set<String> ignorable)
            throws WeightMismatchException {
        Report r = check(spec, checkpoint.tensors(), checkpoint.description(), ignorable);
        if (!r.ok()) {
            throw new WeightMismatchException(r);
        }
        return r;
    }

    /**
     * Checks strictly, then loads every expected tensor as {@code target} (null: natural type, BF16
     * widened to F32), in spec order. On any failure the tensors loaded so far are closed.
     */
    public static Map<String, NDArray> loadAll(NDManager manager, WeightSpec spec, Checkpoint checkpoint,
            DataType target, Set<String> ignorable) throws IOException {
        requireMatch(spec, checkpoint, ignorable);
        Map<String, NDArray> out = new LinkedHashMap<>();
        try {
            for (String key : spec.shapes().keySet()) {
                out.put(key, checkpoint.load(manager, key, target));
            }
        } catch (IOException | RuntimeException e) {
            out.values().forEach(NDArray::close);
            throw e;
        }
        return out;
    }
}
