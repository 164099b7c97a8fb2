package dev.step1x.engine.pipeline;

import ai.djl.ndarray.NDManager;
import dev.step1x.engine.ModelVersion;
import dev.step1x.engine.conditioner.MllmEncoder;
import dev.step1x.engine.conditioner.QwenMllmEncoder;
import dev.step1x.engine.dit.DitOptions;
import dev.step1x.engine.dit.Step1XEdit;
import dev.step1x.engine.vae.AutoEncoder;
import java.io.IOException;

/**
 * Where the pipeline's modules come from: the checkpoints of a {@link ModelDirectory} ({@link #checkpoints}),
 * or random weights of the same shapes (engine-tools' RandomModel, for benchmarks without downloads). Each
 * method builds onto the given manager; closing it frees the module.
 */
interface ModuleSource {

    /** The VAE, float32. */
    AutoEncoder vae(NDManager manager) throws IOException;

    /** The DiT (connector inside) of a version, in the runtime's precision. */
    Step1XEdit dit(NDManager manager, ModelVersion version) throws IOException;

    /** The MLLM encoder (Qwen2.5-VL and its tokenizer). */
    MllmEncoder mllm(NDManager manager) throws IOException;

    /** Strict loading of the directory's checkpoint files. */
    static ModuleSource checkpoints(dev.step1x.engine.runtime.EngineRuntime runtime, ModelDirectory dir) {
        return checkpoints(runtime, dir, DitOptions.defaults());
    }

    /** Strict loading of the directory's checkpoint files, the DiT as {@code ditOptions} says. */
    static ModuleSource checkpoints(dev.step1x.engine.runtime.EngineRuntime runtime, ModelDirectory dir,
            DitOptions ditOptions) {
        return new ModuleSource() {
            @Override
            public AutoEncoder vae(NDManager manager) throws IOException {
                return AutoEncoder.load(manager, dir.vaeFile(), dir.aeParams());
            }

            @Override
            public Step1XEdit dit(NDManager manager, ModelVersion version) throws IOException {
                return Step1XEdit.load(manager, dir.ditFile(version), dir.ditParams(), dir.connectorConfig(), version,
                        runtime.precision().dataType(), ditOptions);
            }

            @Override
            public MllmEncoder mllm(NDManager manager) throws IOException {
                return QwenMllmEncoder.load(runtime, manager, dir.tokenizerFile(), dir.qwenDir(), dir.qwenConfig());
            }
        };
    }
}
