package dev.step1x.engine.connector;

import dev.step1x.engine.ModelVersion;
import dev.step1x.engine.parity.ParityComponent;
import java.nio.file.Path;
import java.util.Map;

/**
 * The engine side of the golden case {@code connector_forward}: the v1.0 connector loaded from the
 * set's {@code connector.safetensors} with {@code connector_config.json}, run on {@code in.x},
 * {@code in.t}, {@code in.mask}; produces {@code out.txt} and {@code out.y}.
 */
public final class ConnectorForwardParity {

    /** The case name in the parity catalog. */
    public static final String CASE = "connector_forward";

    private ConnectorForwardParity() {}

    public static ParityComponent component() {
        return (manager, data) -> {
            Path dir = data.setDir();
            Qwen2Connector connector = Qwen2Connector.load(manager, dir.resolve("connector.safetensors"),
                    Qwen2ConnectorConfig.fromJson(dir.resolve("connector_config.json")), ModelVersion.V1_0,
                    data.precision().dataType());
            Qwen2Connector.Output out = connector.forward(data.tensor("in.x"), data.tensor("in.t"), data.tensor("in.mask"));
            return Map.of("out.txt", out.txt(), "out.y", out.y());
        };
    }
}
