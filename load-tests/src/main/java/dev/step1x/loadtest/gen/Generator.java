package dev.step1x.loadtest.gen;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Sends requests to the request topic. Open loop: phases of (rate, count) on a fixed schedule, whatever the
 * system does (a phase with rate &lt;= 0 is a burst: as fast as the producer takes them). Closed loop: N
 * outstanding requests, the next one sent when an answer arrives ({@link #answered(String)}).
 */
public final class Generator implements AutoCloseable {

    /** Open-loop phase: {@code count} requests at {@code rate} per second (rate &lt;= 0: a burst). */
    public record Phase(double rate, int count) {}

    private final KafkaProducer<byte[], byte[]> producer;
    private final String topic;
    private final RequestFactory factory;
    private final List<SentRequest> sent = new CopyOnWriteArrayList<>();
    private final java.util.Set<String> outstanding = ConcurrentHashMap.newKeySet();
    private volatile Semaphore closedLoopPermits;
    private volatile Thread thread;
    private volatile boolean stop;

    public Generator(String bootstrap, String topic, RequestFactory factory) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.LINGER_MS_CONFIG, 2);
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 180_000);
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 120_000);
        // a request topic may accept records above the 1 MiB default (the oversized-record scenario raises its limit)
        p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 4 << 20);
        this.producer = new KafkaProducer<>(p);
        this.topic = topic;
        this.factory = factory;
    }

    public RequestFactory factory() {
        return factory;
    }

    /** Starts an open-loop run of the given phases on a background thread. */
    public synchronized void startOpenLoop(List<Phase> phases) {
        closedLoopPermits = null;
        start(() -> {
            for (Phase ph : phases) {
                runPhase(ph);
            }
        });
    }

    /** Starts a closed-loop run: {@code concurrency} outstanding requests, {@code count} in all. */
    public synchronized void startClosedLoop(int concurrency, int count) {
        Semaphore permits = new Semaphore(concurrency);
        outstanding.clear();
        closedLoopPermits = permits;
        start(() -> {
            for (int i = 0; i < count && !stop; i++) {
                try {
                    // a lost request would hold its permit forever: give up waiting after a while
                    if (!permits.tryAcquire(120, TimeUnit.SECONDS)) {
                        permits.release(concurrency);
                    }
                } catch (InterruptedException e) {
                    return;
                }
                send(factory.next(), System.currentTimeMillis());
            }
        });
    }

    /** Closed loop: an answer for {@code requestId} arrived (the first one frees a slot). */
    public void answered(String requestId) {
        Semaphore s = closedLoopPermits;
        if (s != null && outstanding.remove(requestId)) {
            s.release();
        }
    }

    private void start(Runnable body) {
        if (thread != null && thread.isAlive()) {
            throw new IllegalStateException("generator still running");
        }
        Thread t = new Thread(body, "load-generator");
        t.setDaemon(true);
        thread = t;
        t.start();
    }

    private void runPhase(Phase ph) {
        if (ph.rate() <= 0) {
            for (int i = 0; i < ph.count() && !stop; i++) {
                send(factory.next(), System.currentTimeMillis());
            }
            return;
        }
        long t0 = System.nanoTime();
        long epoch0 = System.currentTimeMillis();
        double gapNanos = 1e9 / ph.rate();
        for (int i = 0; i < ph.count() && !stop; i++) {
            long due = t0 + (long) (i * gapNanos);
            long wait;
            while ((wait = due - System.nanoTime()) > 0) {
                LockSupport.parkNanos(Math.min(wait, 50_000_000L));
                if (stop) {
                    return;
                }
            }
            send(factory.next(), epoch0 + (long) (i * gapNanos / 1e6));
        }
    }

    /** Sends one request now (used by the phases; scenarios may call it for single requests). */
    public SentRequest send(PlannedRequest req, long intendedAtMs) {
        SentRequest s = new SentRequest(req, intendedAtMs);
        sent.add(s);
        if (closedLoopPermits != null) {
            outstanding.add(req.requestId());
        }
        ProducerRecord<byte[], byte[]> rec = new ProducerRecord<>(topic, null, intendedAtMs,
                req.requestId().getBytes(StandardCharsets.UTF_8), req.value());
        req.headers().forEach((k, v) -> rec.headers().add(k, v.getBytes(StandardCharsets.UTF_8)));
        producer.send(rec, (md, e) -> {
            if (e != null) {
                s.failed(e.toString());
            } else {
                s.acked(md.partition(), md.offset(), md.timestamp());
            }
        });
        return s;
    }

    /** Waits for the run to finish sending and for every send to be acknowledged (or failed). */
    public boolean awaitSent(long timeoutMs) {
        Thread t = thread;
        long deadline = System.currentTimeMillis() + timeoutMs;
        try {
            if (t != null) {
                t.join(Math.max(1, timeoutMs));
            }
            producer.flush();
            while (System.currentTimeMillis() < deadline) {
                if (sent.stream().allMatch(s -> s.acked() || s.sendError() != null)) {
                    return t == null || !t.isAlive();
                }
                Thread.sleep(50);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return false;
    }

    public boolean running() {
        Thread t = thread;
        return t != null && t.isAlive();
    }

    /** Everything sent so far, in send order. */
    public List<SentRequest> sent() {
        return new ArrayList<>(sent);
    }

    public int sentCount() {
        return sent.size();
    }

    @Override
    public void close() {
        stop = true;
        Thread t = thread;
        if (t != null) {
            t.interrupt();
        }
        producer.close(java.time.Duration.ofSeconds(10));
    }
}
