package dev.step1x.contracts;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** Step1X-Edit checkpoint generation; on the wire {@code "v1.0"} or {@code "v1.1"}. */
public enum ModelVersion {
    V1_0("v1.0"),
    V1_1("v1.1");

    private final String wire;

    ModelVersion(String wire) {
        this.wire = wire;
    }

    /** The JSON value. */
    @JsonValue
    public String wire() {
        return wire;
    }

    /** Parses the JSON value; throws {@link IllegalArgumentException} for anything else. */
    @JsonCreator
    public static ModelVersion fromWire(String value) {
        for (ModelVersion v : values()) {
            if (v.wire.equals(value)) {
                return v;
            }
        }
        throw new IllegalArgumentException("unknown model version: " + value);
    }

    @Override
    public String toString() {
        return wire;
    }
}
