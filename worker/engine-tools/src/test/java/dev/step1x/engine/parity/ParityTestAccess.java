package dev.step1x.engine.parity;

import ai.djl.ndarray.NDManager;
import dev.step1x.engine.nn.Precision;
import dev.step1x.engine.runtime.EngineRuntime;
import dev.step1x.engine.weights.SafetensorsFile;

/** Lets component tests outside this package run a component on a case directly (to inspect mid.* tensors). */
public final class ParityTestAccess {

    private ParityTestAccess() {}

    public static CaseData caseData(ParityCase c, SafetensorsFile file, NDManager manager) {
        return caseData(c, file, manager, Precision.FP32);
    }

    public static CaseData caseData(ParityCase c, SafetensorsFile file, NDManager manager, Precision precision) {
        return new CaseData(c, file, manager, precision, EngineRuntime.startDefault());
    }
}
