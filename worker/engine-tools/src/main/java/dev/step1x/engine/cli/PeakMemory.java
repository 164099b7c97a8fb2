package dev.step1x.engine.cli;

import ai.djl.Device;
import ai.djl.util.cuda.CudaUtils;
import dev.step1x.engine.runtime.ProcessMemory;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Peak memory of one measured interval. On a GPU: the device's used memory (cudaMemGetInfo, what
 * nvidia-smi shows: the caching allocator's reservations included), sampled every 10 ms, after emptying
 * the allocator's cache at {@link #reset}. On the CPU: the process's peak resident set (VmHWM), reset
 * through {@code /proc/self/clear_refs} where the kernel allows it.
 */
final class PeakMemory implements AutoCloseable {

    private final Device device;
    private final AtomicLong peak = new AtomicLong();
    private final Thread sampler;
    private volatile boolean running = true;

    PeakMemory(Device device) {
        this.device = device;
        if (device.isGpu()) {
            sampler = new Thread(this::sample, "gpu-memory-sampler");
            sampler.setDaemon(true);
            sampler.start();
        } else {
            sampler = null;
        }
    }

    /** What is measured: "device used" or "peak RSS". */
    String label() {
        return device.isGpu() ? "peak GPU GiB" : "peak RSS GiB";
    }

    /** Starts a new interval (frees the GPU allocator's cached blocks first). */
    void reset() {
        if (device.isGpu()) {
            ai.djl.pytorch.jni.JniUtils.emptyCudaCache();
            peak.set(used());
        } else {
            ProcessMemory.resetPeak();
        }
    }

    /** The peak since {@link #reset}, in bytes (0 if unknown). */
    long peakBytes() {
        if (device.isGpu()) {
            return Math.max(peak.get(), used());
        }
        return ProcessMemory.peakResidentBytes();
    }

    private long used() {
        return CudaUtils.getGpuMemory(device).getCommitted();
    }

    private void sample() {
        while (running) {
            long u = used();
            peak.accumulateAndGet(u, Math::max);
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    @Override
    public void close() {
        running = false;
        if (sampler != null) {
            sampler.interrupt();
        }
    }
}
