// Port of stepfun-ai/Step1X-Edit modules/connector_edit.py @ 570eba6 (HunyuanVideo token refiner).
// Keys: connector.scale_factor (v1.0 only), connector.S.*, connector.global_proj_out.*
package dev.step1x.engine.connector;

import dev.step1x.engine.nn.Scoped;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import dev.step1x.engine.ModelVersion;
import dev.step1x.engine.nn.Linear;
import dev.step1x.engine.nn.LoadedParams;
import dev.step1x.engine.nn.Params;
import dev.step1x.engine.weights.Checkpoint;
import dev.step1x.engine.weights.StrictLoader;
import dev.step1x.engine.weights.WeightSpec;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Maps Qwen2.5-VL hidden states to the DiT's text tokens ({@code S}, a {@link SingleTokenRefiner})
 * and pooled vector ({@code global_proj_out} of the masked mean, times {@code 1 + scale_factor} in v1.0).
 * Lives inside the DiT checkpoint under {@value #KEY_PREFIX}.
 *
 * <p>Computes in the type of its weights (FLOAT32 as loaded by {@link #load}); the masked mean and
 * the timestep sinusoid are computed in float32. Every forward releases its intermediates before it
 * returns; its results behave like those of a single NDArray operation (owned by the input's manager
 * and registered in the caller's {@link NDScope}, if any).
 */
public final class Qwen2Connector {

    /** The connector's attribute name in the DiT; its keys start with "connector.". */
    public static final String KEY_PREFIX = "connector";

    /**
     * @param txt encoder hidden states [B, L, hidden_size] (computed for every token, padded ones included)
     * @param y pooled vector {@code global_proj_out(mean)} [B, 768]
     */
    public record Output(NDArray txt, NDArray y) {}

    private final Qwen2ConnectorConfig config;
    private final ModelVersion version;
    private final NDArray scaleFactor;
    private final SingleTokenRefiner s;
    private final Linear globalProjOut;

    /**
     * Builds the connector from its parameters (keys relative to the connector: {@code scale_factor}
     * (v1.0 only), {@code S.*}, {@code global_proj_out.*}). On a {@link WeightSpec.Builder} this only
     * records the keys.
     */
    public Qwen2Connector(Params p, Qwen2ConnectorConfig cfg, ModelVersion version) {
        this.config = cfg;
        this.version = version;
        this.scaleFactor = version.connectorHasScaleFactor() ? p.get("scale_factor", 1) : null;
        this.s = new SingleTokenRefiner(p.child("S"), cfg);
        this.globalProjOut = new Linear(p.child("global_proj_out"), cfg.inChannels(),
                Qwen2ConnectorConfig.GLOBAL_PROJ_OUT_FEATURES, true);
    }

    /**
     * The connector's tensors as stored in a DiT checkpoint or the parity {@code connector.safetensors}
     * (keys prefixed {@code "connector."}).
     */
    public static WeightSpec weightSpec(Qwen2ConnectorConfig config, ModelVersion version) {
        WeightSpec.Builder b = WeightSpec.builder();
        new Qwen2Connector(b.child(KEY_PREFIX), config, version);
        return b.build();
    }


    /**
     * Loads the connector alone from a file holding its {@code connector.*} keys: the parity
     * {@code connector.safetensors} or a whole DiT checkpoint (whose other keys are ignored). The
     * connector keys must match the config and version exactly (e.g. a v1.0 file loaded as v1.1 fails
     * on the unused {@code connector.scale_factor}). Weights are loaded as FLOAT32 (BF16 widened) onto
     * {@code manager}; closing it frees them.
     */
    public static Qwen2Connector load(NDManager manager, Path connectorOrDitSafetensors, Qwen2ConnectorConfig cfg,
            ModelVersion version) throws IOException {
        return load(manager, connectorOrDitSafetensors, cfg, version, DataType.FLOAT32);
    }

    /** As {@link #load(NDManager, Path, Qwen2ConnectorConfig, ModelVersion)}, computing in {@code type}. */
    public static Qwen2Connector load(NDManager manager, Path connectorOrDitSafetensors, Qwen2ConnectorConfig cfg,
            ModelVersion version, DataType type) throws IOException {
        WeightSpec spec = weightSpec(cfg, version);
        try (Checkpoint ckpt = Checkpoint.open(connectorOrDitSafetensors)) {
            String prefix = KEY_PREFIX + ".";
            Set<String> others = ckpt.tensors().keySet().stream().filter(k -> !k.startsWith(prefix))
                    .collect(Collectors.toUnmodifiableSet());
            Map<String, NDArray> tensors = StrictLoader.loadAll(manager, spec, ckpt, type, others);
            return new Qwen2Connector(new LoadedParams(tensors).child(KEY_PREFIX), cfg, version);
        }
    }

    public Qwen2ConnectorConfig config() {
        return config;
    }

    public ModelVersion version() {
        return version;
    }

    /**
     * @param x MLLM hidden states [B, L, in_channels] (values at masked positions are ignored by the pooling)
     * @param t timestep [B] in [0, 1] (multiplied by 1000 here)
     * @param mask [B, L] int64 0/1 (1 = valid token)
     */
    public Output forward(NDArray x, NDArray t, NDArray mask) {
        checkInputs(x, t, mask);
        NDArray[] out = Scoped.runAll(() -> {
            // computes in its weights' type whatever the input's (the DiT hands over float16 or float32 states)
            DataType type = globalProjOut.dataType();
            NDArray xc = x.getDataType() == type ? x : x.toType(type, false);
            NDArray t1000 = t.toType(DataType.FLOAT32, false).mul((float) Qwen2ConnectorConfig.TIMESTEP_MULTIPLIER);
            NDArray mean = maskedMean(xc, mask);
            NDArray y = globalProjOut.forward(scaledMean(mean).toType(type, false));
            NDArray txt = s.forward(xc, t1000, mask, mean.toType(type, false));
            return new NDArray[] {txt, y};
        });
        return new Output(out[0], out[1]);
    }

    /** The input of {@code global_proj_out}: the masked mean times {@code 1 + scale_factor} (v1.0), else itself. */
    NDArray scaledMean(NDArray mean) {
        if (scaleFactor == null) {
            return mean;
        }
        return Scoped.run(() -> mean.mul(scaleFactor.toType(mean.getDataType(), false).add(1f)));
    }

    SingleTokenRefiner s() {
        return s;
    }

    Linear globalProjOut() {
        return globalProjOut;
    }

    /**
     * {@code Σ_l x[b, l, :]·mask[b, l] / Σ_l mask[b, l]} in float32: [B, in_channels]. Masked positions
     * contribute exact zeros (for finite x); a row without any valid token gives NaN, as upstream.
     */
    static NDArray maskedMean(NDArray x, NDArray mask) {
        return Scoped.run(() -> {
            NDArray m = mask.toType(DataType.FLOAT32, false).expandDims(2);
            NDArray sum = x.toType(DataType.FLOAT32, false).mul(m).sum(new int[] {1});
            return sum.div(m.sum(new int[] {1}));
        });
    }

    private void checkInputs(NDArray x, NDArray t, NDArray mask) {
        long[] xs = x.getShape().getShape();
        if (xs.length != 3 || xs[2] != config.inChannels()) {
            throw new IllegalArgumentException("x must be [B, L, " + config.inChannels() + "], got " + x.getShape());
        }
        if (t.getShape().dimension() != 1 || t.getShape().get(0) != xs[0]) {
            throw new IllegalArgumentException("t must be [" + xs[0] + "], got " + t.getShape());
        }
        if (mask.getShape().dimension() != 2 || mask.getShape().get(0) != xs[0] || mask.getShape().get(1) != xs[1]) {
            throw new IllegalArgumentException("mask must be [" + xs[0] + ", " + xs[1] + "], got " + mask.getShape());
        }
    }
}
