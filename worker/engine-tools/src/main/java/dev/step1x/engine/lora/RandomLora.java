package dev.step1x.engine.lora;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.step1x.engine.weights.DType;
import dev.step1x.engine.weights.SafetensorsWriter;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Writes a kohya-format LoRA file for a DiT's targets: like the golden set's, down N(0,1)/sqrt(in), up N(0,1)·0.1
 * (training zero-inits up; random here so the LoRA moves the output), alpha as given.
 */
public final class RandomLora {

    private RandomLora() {}

    public static Path write(NDManager m, LoraTargets targets, int rank, float alpha, int seed, DType dtype, Path file)
            throws IOException {
        m.getEngine().setRandomSeed(seed);
        SafetensorsWriter w = new SafetensorsWriter().metadata("ss_network_module", "networks.lora");
        for (LoraTargets.Target t : targets.byName().values()) {
            w.add(t.loraName() + ".alpha", m.create(alpha), DType.F32);
            w.add(t.loraName() + ".lora_down.weight",
                    m.randomNormal(0, (float) (1 / Math.sqrt(t.in())), new Shape(rank, t.in()), ai.djl.ndarray.types.DataType.FLOAT32),
                    dtype);
            w.add(t.loraName() + ".lora_up.weight",
                    m.randomNormal(0, 0.1f, new Shape(t.out(), rank), ai.djl.ndarray.types.DataType.FLOAT32), dtype);
        }
        w.write(file);
        return file;
    }
}
