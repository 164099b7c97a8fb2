package dev.step1x.engine.parity;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

/** Compares an engine output with a golden tensor in float64. */
public final class TensorComparison {

    /** @param maxAbsDiff NaN when the shapes differ or a value is NaN */
    public record Result(boolean pass, double maxAbsDiff, String note) {}

    private TensorComparison() {}

    public static Result compare(NDArray actual, NDArray expected, Tolerance tol) {
        if (!actual.getShape().equals(expected.getShape())) {
            return new Result(false, Double.NaN,
                    "shape " + actual.getShape() + ", expected " + expected.getShape());
        }
        if (expected.getShape().size() == 0) {
            return new Result(true, 0, "empty");
        }
        try (NDArray a = actual.toType(DataType.FLOAT64, true);
                NDArray b = expected.toType(DataType.FLOAT64, true);
                NDArray diff = a.sub(b).abs();
                NDArray bound = b.abs().mul(tol.rtol()).add(tol.atol());
                NDArray within = diff.lte(bound);
                NDArray max = diff.max()) {
            double maxAbs = max.getDouble();
            // lte is false for NaN, so a NaN anywhere fails.
            long bad = within.size() - within.toType(DataType.INT64, false).sum().getLong();
            if (bad == 0) {
                return new Result(true, maxAbs, "");
            }
            return new Result(false, maxAbs, bad + " of " + within.size() + " values outside tolerance");
        }
    }
}
