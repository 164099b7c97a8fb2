package dev.step1x.engine.parity;

import java.util.Map;

/**
 * The engine components registered for golden cases, by case name. Empty until the model issues
 * land: every case is then reported NOT IMPLEMENTED.
 */
public final class ParityComponents {

    private ParityComponents() {}

    public static Map<String, ParityComponent> registered() {
        return Map.of();
    }
}
