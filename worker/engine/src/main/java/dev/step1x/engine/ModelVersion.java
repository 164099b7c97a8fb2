package dev.step1x.engine;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * Step1X-Edit release whose conventions the engine follows. The network and tensor names are the
 * same; v1.0's connector has the learned {@code connector.scale_factor} (the pooled mean is
 * multiplied by {@code 1 + scale_factor}), v1.1's has none. (Sampling differences, reference
 * position ids and CFG, are the sampler's business.)
 */
public enum ModelVersion {
    /** {@code step1x-edit-i1258.safetensors}. */
    V1_0("v1.0"),
    /** {@code step1x-edit-v1p1-official.safetensors}. */
    V1_1("v1.1");

    private final String label;

    ModelVersion(String label) {
        this.label = label;
    }

    /** The spelling of the official {@code --version} flag: "v1.0" or "v1.1". */
    public String label() {
        return label;
    }

    /** Whether the checkpoint holds {@code connector.scale_factor} [1]. */
    public boolean connectorHasScaleFactor() {
        return this == V1_0;
    }

    /** Parses "v1.0"/"v1.1" (also "1.0", "v1p1", "V1_1"; case-insensitive). */
    public static ModelVersion parse(String text) {
        if (text != null) {
            String t = text.trim().toLowerCase(Locale.ROOT).replace('p', '.').replace('_', '.');
            if (!t.startsWith("v")) {
                t = "v" + t;
            }
            for (ModelVersion v : values()) {
                if (v.label.equals(t)) {
                    return v;
                }
            }
        }
        throw new IllegalArgumentException("unknown Step1X-Edit version '" + text + "' (expected one of "
                + Arrays.stream(values()).map(ModelVersion::label).collect(Collectors.joining(", ")) + ")");
    }

    @Override
    public String toString() {
        return label;
    }
}
