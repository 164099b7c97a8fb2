package dev.step1x.worker.metrics;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * The worker's CPU time by part of the request path, for {@code step1x.worker.cpu{part}} (seconds): each piece of
 * work is measured as the CPU time of the thread that does it ({@link #start}, {@link #stop}), so a part costs
 * the same whether it waits on a busy machine or not. Kafka's share also counts the client's own threads (the
 * producers' network threads, and the request consumer's thread less the time the worker's code spends on it).
 * What no part covers (GC, the JIT, logging, the pipeline's bookkeeping) is the process's CPU time less their sum.
 * Reading a thread's CPU clock costs about a microsecond; a request is measured a dozen times.
 */
public final class CpuMeter {

    /** Where the CPU goes. */
    public enum Part {
        /** Probing and decoding input images. */
        DECODE,
        /** Resizing to the bucket's size and back to the input's. */
        RESIZE,
        /** Encoding outputs (PNG, JPEG). */
        ENCODE,
        /** SHA-256 of request payloads and outputs. */
        HASH,
        /** Parsing and validating requests, validating and writing results and metrics. */
        JSON,
        /** S3 calls (the SDK's request signing, HTTP, checksums). */
        S3,
        /** Kafka: publishing, and the clients' own threads. */
        KAFKA;

        public String tag() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    private static final boolean SUPPORTED = THREADS.isCurrentThreadCpuTimeSupported();

    private final Map<Part, LongAdder> nanos = new EnumMap<>(Part.class);
    private final Set<Long> consumerThreads = ConcurrentHashMap.newKeySet();
    private final LongAdder onConsumerThreads = new LongAdder();

    public CpuMeter() {
        for (Part p : Part.values()) {
            nanos.put(p, new LongAdder());
        }
    }

    /** The current thread's CPU time in nanoseconds (0 where the JVM cannot tell). */
    public static long start() {
        return SUPPORTED ? THREADS.getCurrentThreadCpuTime() : 0;
    }

    /** Charges the current thread's CPU time since {@code start} to {@code part}; returns the new start. */
    public long stop(Part part, long start) {
        long now = start();
        nanos.get(part).add(Math.max(0, now - start));
        return now;
    }

    /**
     * The request consumer's thread spent {@code workerNanos} (since {@code start}) in the worker's own code: the
     * rest of that thread's CPU time is Kafka's (polling, fetching, the listener container).
     */
    public void consumerWork(long start) {
        consumerThreads.add(Thread.currentThread().getId());
        onConsumerThreads.add(Math.max(0, start() - start));
    }

    /** CPU seconds charged to a part so far (Kafka: with the clients' threads). */
    public double seconds(Part part) {
        long n = nanos.get(part).sum();
        if (part == Part.KAFKA) {
            n += kafkaThreadNanos();
        }
        return n / 1e9;
    }

    /** Registers {@code step1x.worker.cpu{part}} for every part. */
    public void bindTo(MeterRegistry registry) {
        for (Part p : Part.values()) {
            FunctionCounter.builder(WorkerMeters.CPU.meterName(), this, m -> m.seconds(p))
                    .description(WorkerMeters.CPU.description()).baseUnit("seconds").tag("part", p.tag())
                    .register(registry);
        }
    }

    /** Kafka's producer network threads, and the consumer threads less the worker's code on them. */
    private long kafkaThreadNanos() {
        if (!THREADS.isThreadCpuTimeSupported()) {
            return 0;
        }
        long sum = 0;
        for (ThreadInfo t : THREADS.getThreadInfo(THREADS.getAllThreadIds())) {
            if (t != null && (t.getThreadName().startsWith("kafka-producer-network-thread")
                    || consumerThreads.contains(t.getThreadId()))) {
                sum += Math.max(0, THREADS.getThreadCpuTime(t.getThreadId()));
            }
        }
        return Math.max(0, sum - onConsumerThreads.sum());
    }
}
