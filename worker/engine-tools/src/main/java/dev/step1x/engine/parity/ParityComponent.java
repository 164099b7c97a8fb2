package dev.step1x.engine.parity;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.Map;

/**
 * The engine code under test for one case: reads the case's inputs (and any weights or configs next
 * to it) and returns its outputs, keyed by the case file's tensor names. Everything it creates must
 * be attached to {@code manager}, which the runner closes after comparing.
 */
@FunctionalInterface
public interface ParityComponent {
    Map<String, NDArray> run(NDManager manager, CaseData data) throws Exception;
}
