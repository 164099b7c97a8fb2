package dev.step1x.worker.batching;

import dev.step1x.engine.pipeline.BucketKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.function.Predicate;

/**
 * Dynamic batching by bucket. Each {@link BucketKey} has its own queue (higher priority first, then
 * arrival). A bucket is <em>ready</em> when it holds a full batch ({@link #maxRows}) or its oldest request
 * has waited {@code maxDelay}. Ready buckets are served by deficit round robin: each visit adds the quantum
 * to the bucket's deficit, and a batch leaves when the deficit covers its cost (rows x relative pixel-step
 * cost), so a rare resolution gets its turn within one round however busy the others are, and expensive
 * buckets cannot take more than their share of engine time. Requests whose deadline passed are handed
 * back as expired instead of being batched.
 *
 * <p>Thread-safe; {@link #poll(Duration)} blocks. Time comes from the injected nano clock (queueing) and
 * wall clock (deadlines), so tests can drive it.
 *
 * @param <T> queued item
 */
public final class Batcher<T extends Batcher.Item> {

    /** What the batcher needs to know about a queued request. */
    public interface Item {
        BucketKey bucket();

        int priority();

        /** Null for no deadline. */
        Instant deadline();
    }

    /** A batch leaving the batcher, and requests found expired on the way. */
    public record Batch<T>(BucketKey key, List<T> items, int maxRows, List<T> expired) {
        public boolean isEmpty() {
            return items.isEmpty();
        }
    }

    private record Entry<T>(T item, long seq, long enqueuedNanos) {}

    private final class BucketQueue {
        final BucketKey key;
        final PriorityQueue<Entry<T>> items = new PriorityQueue<>(
                Comparator.<Entry<T>>comparingInt(e -> -e.item().priority()).thenComparingLong(Entry::seq));
        double deficit;

        BucketQueue(BucketKey key) {
            this.key = key;
        }

        long oldestNanos() {
            long min = Long.MAX_VALUE;
            for (Entry<T> e : items) {
                min = Math.min(min, e.enqueuedNanos());
            }
            return min;
        }
    }

    private final Function<BucketKey, Integer> maxRows;
    private final long maxDelayNanos;
    private final double quantum;
    private final LongSupplier nanoClock;
    private final Clock wallClock;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    /** Active buckets in round-robin order; the head is visited next. */
    private final LinkedHashMap<BucketKey, BucketQueue> ring = new LinkedHashMap<>();
    private long seq;
    private int depth;
    private boolean flushing;

    /**
     * @param maxRows the row cap of a bucket
     * @param maxDelay how long the oldest request of a non-full bucket may wait
     * @param quantum deficit added per visit, in cost units (a 1024² 28-step row costs 1)
     */
    public Batcher(Function<BucketKey, Integer> maxRows, Duration maxDelay, double quantum, LongSupplier nanoClock,
            Clock wallClock) {
        if (quantum <= 0) {
            throw new IllegalArgumentException("quantum must be > 0");
        }
        this.maxRows = maxRows;
        this.maxDelayNanos = maxDelay.toNanos();
        this.quantum = quantum;
        this.nanoClock = nanoClock;
        this.wallClock = wallClock;
    }

    public void add(T item) {
        lock.lock();
        try {
            BucketQueue q = ring.computeIfAbsent(item.bucket(), BucketQueue::new);
            q.items.add(new Entry<>(item, seq++, nanoClock.getAsLong()));
            depth++;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Requests queued over all buckets. */
    public int depth() {
        lock.lock();
        try {
            return depth;
        } finally {
            lock.unlock();
        }
    }

    /** Queued requests per non-empty bucket. */
    public Map<BucketKey, Integer> depthByBucket() {
        lock.lock();
        try {
            Map<BucketKey, Integer> m = new LinkedHashMap<>();
            ring.forEach((k, q) -> m.put(k, q.items.size()));
            return m;
        } finally {
            lock.unlock();
        }
    }

    /** When true, every non-empty bucket is ready at once (no waiting for maxDelay). */
    public void setFlushing(boolean flushing) {
        lock.lock();
        try {
            this.flushing = flushing;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Removes and returns the queued requests that {@code drop} accepts (in arrival order). */
    public List<T> removeIf(Predicate<? super T> drop) {
        lock.lock();
        try {
            List<Entry<T>> removed = new ArrayList<>();
            Iterator<Map.Entry<BucketKey, BucketQueue>> it = ring.entrySet().iterator();
            while (it.hasNext()) {
                BucketQueue q = it.next().getValue();
                q.items.removeIf(e -> drop.test(e.item()) && removed.add(e));
                if (q.items.isEmpty()) {
                    it.remove();
                }
            }
            depth -= removed.size();
            removed.sort(Comparator.comparingLong(Entry::seq));
            return removed.stream().map(Entry::item).toList();
        } finally {
            lock.unlock();
        }
    }

    /** Removes and returns everything queued (shutdown: the requests are given up, not answered). */
    public List<T> drainAll() {
        return removeIf(item -> true);
    }

    /**
     * Waits up to {@code maxWait} for a batch. Returns null on timeout; a returned batch may have no items
     * and only expired requests.
     */
    public Batch<T> poll(Duration maxWait) throws InterruptedException {
        long deadline = nanoClock.getAsLong() + maxWait.toNanos();
        lock.lock();
        try {
            while (true) {
                Batch<T> b = pollReady();
                if (b != null) {
                    return b;
                }
                long now = nanoClock.getAsLong();
                long wait = deadline - now;
                if (wait <= 0) {
                    return null;
                }
                long untilReady = nanosUntilNextReady(now);
                changed.awaitNanos(Math.max(1_000_000L, Math.min(wait, untilReady)));
            }
        } finally {
            lock.unlock();
        }
    }

    /** The next batch if one is ready now (expired requests are always collected), else null. */
    public Batch<T> pollReady() {
        lock.lock();
        try {
            List<T> expired = removeExpired();
            long now = nanoClock.getAsLong();
            Batch<T> batch = nextByDrr(now);
            if (batch != null) {
                return new Batch<>(batch.key(), batch.items(), batch.maxRows(), expired);
            }
            return expired.isEmpty() ? null : new Batch<>(null, List.of(), 0, expired);
        } finally {
            lock.unlock();
        }
    }

    private Batch<T> nextByDrr(long now) {
        List<BucketQueue> ready = new ArrayList<>();
        for (BucketQueue q : ring.values()) {
            if (isReady(q, now)) {
                ready.add(q);
            }
        }
        if (ready.isEmpty()) {
            return null;
        }
        // Visit ready buckets in ring order, adding the quantum each visit, until one can pay for its batch.
        while (true) {
            for (BucketQueue q : ready) {
                q.deficit += quantum;
                int rows = Math.min(q.items.size(), rowCap(q.key));
                double cost = rows * BucketKeys.rowCost(q.key);
                if (q.deficit >= cost) {
                    q.deficit -= cost;
                    List<T> items = new ArrayList<>(rows);
                    for (int i = 0; i < rows; i++) {
                        items.add(q.items.poll().item());
                    }
                    depth -= rows;
                    ring.remove(q.key);
                    if (!q.items.isEmpty()) {
                        ring.put(q.key, q); // served: to the back of the ring
                    }
                    // an emptied bucket leaves the ring and its deficit is dropped (classic DRR)
                    return new Batch<>(q.key, items, rowCap(q.key), List.of());
                }
            }
        }
    }

    private int rowCap(BucketKey key) {
        Integer cap = maxRows.apply(key);
        return cap == null || cap < 1 ? 1 : cap;
    }

    private boolean isReady(BucketQueue q, long now) {
        if (q.items.isEmpty()) {
            return false;
        }
        return flushing || q.items.size() >= rowCap(q.key) || now - q.oldestNanos() >= maxDelayNanos;
    }

    private long nanosUntilNextReady(long now) {
        long best = Long.MAX_VALUE;
        for (BucketQueue q : ring.values()) {
            if (!q.items.isEmpty()) {
                best = Math.min(best, q.oldestNanos() + maxDelayNanos - now);
            }
        }
        return best == Long.MAX_VALUE ? TimeUnit.SECONDS.toNanos(1) : Math.max(0, best);
    }

    private List<T> removeExpired() {
        Instant now = wallClock.instant();
        List<T> expired = new ArrayList<>();
        Iterator<Map.Entry<BucketKey, BucketQueue>> it = ring.entrySet().iterator();
        while (it.hasNext()) {
            BucketQueue q = it.next().getValue();
            q.items.removeIf(e -> {
                Instant d = e.item().deadline();
                if (d != null && !now.isBefore(d)) {
                    expired.add(e.item());
                    return true;
                }
                return false;
            });
            if (q.items.isEmpty()) {
                it.remove();
            }
        }
        depth -= expired.size();
        return expired;
    }
}
