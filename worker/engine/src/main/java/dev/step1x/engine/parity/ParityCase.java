package dev.step1x.engine.parity;

import java.nio.file.Path;
import java.util.Map;

/**
 * One golden case file: which of its tensors a component must reproduce, each with its tolerance.
 *
 * @param set "step1x" or "qwen25vl"
 * @param name the case name (file stem), the key components are registered under
 * @param outputs tensor name in the file -> tolerance, in file order
 */
public record ParityCase(String set, String name, Path file, Map<String, Tolerance> outputs) {}
