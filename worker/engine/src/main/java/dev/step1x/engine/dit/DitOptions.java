package dev.step1x.engine.dit;

import dev.step1x.engine.lora.LoraSpec;
import dev.step1x.engine.weights.Float8;
import java.util.List;
import java.util.Objects;

/**
 * How the DiT (connector inside) is loaded and held, beside the compute type of the runtime.
 *
 * @param loras LoRA files merged into the weights at load, in order ({@code --lora FILE[:MULTIPLIER]}); the
 *     official inference merges one with multiplier 1.0
 * @param fp8 hold the DiT's weights as float8_e4m3fn ({@code --quantized} of the official code): every Linear
 *     weight stays one byte per element on the device and is decoded per layer for the compute (float16 on a GPU,
 *     float32 on the CPU); the other parameters (biases, norm scales) are rounded to e4m3fn too, as the official
 *     cast does, and held decoded. A float checkpoint is cast at load like {@code .to(torch.float8_e4m3fn)}; an FP8
 *     checkpoint (F8_E4M3 or F8_E5M2 tensors) is held as stored. Without this flag an FP8 checkpoint is decoded to
 *     the compute type at load.
 * @param fp8Overflow how the cast treats values beyond ±448 (default {@link Float8.Overflow#SATURATE}, current
 *     PyTorch; {@link Float8.Overflow#NAN} is PyTorch before April 2026)
 * @param offload keep the double and single blocks in host memory and copy each to the device only while it runs
 *     (the embedders, final layer and connector stay resident); for GPUs too small for the DiT
 * @param adapterCacheBytes device bytes for unmerged per-request LoRA adapters (0: none;
 *     {@link dev.step1x.engine.lora.AdapterCache})
 */
public record DitOptions(List<LoraSpec> loras, boolean fp8, Float8.Overflow fp8Overflow, boolean offload,
        long adapterCacheBytes) {

    public DitOptions {
        loras = List.copyOf(loras);
        Objects.requireNonNull(fp8Overflow, "fp8Overflow");
        if (adapterCacheBytes < 0) {
            throw new IllegalArgumentException("adapter cache bytes must be >= 0, got " + adapterCacheBytes);
        }
    }

    /** Dense weights in the compute type, no LoRA, resident, no per-request adapters. */
    public static DitOptions defaults() {
        return new DitOptions(List.of(), false, Float8.Overflow.SATURATE, false, 0);
    }

    public DitOptions withLoras(List<LoraSpec> l) {
        return new DitOptions(l, fp8, fp8Overflow, offload, adapterCacheBytes);
    }

    public DitOptions withFp8(boolean on) {
        return new DitOptions(loras, on, fp8Overflow, offload, adapterCacheBytes);
    }

    public DitOptions withFp8Overflow(Float8.Overflow o) {
        return new DitOptions(loras, fp8, o, offload, adapterCacheBytes);
    }

    public DitOptions withOffload(boolean on) {
        return new DitOptions(loras, fp8, fp8Overflow, on, adapterCacheBytes);
    }

    public DitOptions withAdapterCacheBytes(long bytes) {
        return new DitOptions(loras, fp8, fp8Overflow, offload, bytes);
    }

    /** A short description for logs ("fp8, offload, 1 LoRA merged"). */
    public String describe() {
        StringBuilder sb = new StringBuilder(fp8 ? "fp8 e4m3fn weights (" + fp8Overflow + ")" : "dense weights");
        if (offload) {
            sb.append(", blocks offloaded");
        }
        if (!loras.isEmpty()) {
            sb.append(", ").append(loras.size()).append(" LoRA merged");
        }
        if (adapterCacheBytes > 0) {
            sb.append(", adapter cache ").append(adapterCacheBytes >> 20).append(" MiB");
        }
        return sb.toString();
    }
}
