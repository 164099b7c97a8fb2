package dev.step1x.worker.ingest;

import dev.step1x.worker.pipeline.Completion;
import java.util.Collection;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.apache.kafka.common.TopicPartition;

/**
 * Commits only what is durable. Every record taken from Kafka gets a {@link Ticket}; a ticket is completed
 * once the record's result (or dead letter) has been acknowledged by the broker. Per partition the tracker
 * keeps the records in offset order and acknowledges only the highest offset of the contiguous completed
 * prefix, so a slow request never lets a later offset's commit skip over it. Thread-safe.
 *
 * @param <A> the acknowledgement handle (Spring Kafka's {@code Acknowledgment} in the worker)
 */
public final class OffsetTracker<A> {

    private final Consumer<A> acknowledger;
    private final Map<TopicPartition, Track> tracks = new ConcurrentHashMap<>();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger generation = new AtomicInteger();

    /** @param acknowledger commits the offset of the record the handle belongs to (and all before it) */
    public OffsetTracker(Consumer<A> acknowledger) {
        this.acknowledger = acknowledger;
    }

    /** Registers a record just taken from Kafka. */
    public Ticket register(TopicPartition tp, long offset, A ack) {
        Track track = tracks.computeIfAbsent(tp, k -> new Track());
        Ticket t = new Ticket(tp, offset, track, ack);
        synchronized (track) {
            Ticket old = track.pending.put(offset, t);
            if (old != null) {
                old.orphan(); // redelivered at the same offset: the new delivery owns the commit
            }
        }
        inFlight.incrementAndGet();
        return t;
    }

    /** Forgets revoked partitions: their tickets still complete but never acknowledge. */
    public void revoke(Collection<TopicPartition> partitions) {
        for (TopicPartition tp : partitions) {
            Track track = tracks.remove(tp);
            if (track != null) {
                synchronized (track) {
                    track.pending.values().forEach(Ticket::orphan);
                    track.pending.clear();
                }
            }
        }
        generation.incrementAndGet();
    }

    /** Records registered and not completed. */
    public int inFlight() {
        return inFlight.get();
    }

    private final class Track {
        final TreeMap<Long, Ticket> pending = new TreeMap<>();
    }

    /** One record's claim on its partition's commit position; the pipeline reports on it as a {@link Completion}. */
    public final class Ticket implements Completion {
        private final TopicPartition partition;
        private final long offset;
        private final Track track;
        private final A ack;
        private final AtomicBoolean done = new AtomicBoolean();
        private volatile boolean orphaned;
        private boolean completed; // guarded by track

        Ticket(TopicPartition partition, long offset, Track track, A ack) {
            this.partition = partition;
            this.offset = offset;
            this.track = track;
            this.ack = ack;
        }

        public TopicPartition partition() {
            return partition;
        }

        public long offset() {
            return offset;
        }

        /** True once {@link #complete()} ran. */
        public boolean isDone() {
            return done.get();
        }

        void orphan() {
            orphaned = true;
        }

        /** Its partition was revoked (or the record was delivered again): this ticket will never acknowledge. */
        @Override
        public boolean revoked() {
            return orphaned;
        }

        /** The record's outcome is durable; acknowledges the contiguous prefix it may close. Idempotent. */
        @Override
        public void complete() {
            if (!done.compareAndSet(false, true)) {
                return;
            }
            inFlight.decrementAndGet();
            if (orphaned) {
                return;
            }
            A toAck = null;
            synchronized (track) {
                completed = true;
                while (!track.pending.isEmpty()) {
                    Map.Entry<Long, Ticket> first = track.pending.firstEntry();
                    if (!first.getValue().completed) {
                        break;
                    }
                    track.pending.pollFirstEntry();
                    toAck = first.getValue().ack;
                }
                if (toAck != null) {
                    acknowledger.accept(toAck); // under the lock: acks leave in offset order
                }
            }
        }

        /**
         * Gives the record up without acknowledging it (shutdown): it stays uncommitted and is redelivered.
         * Later offsets of the partition are then not committed either.
         */
        @Override
        public void abandon() {
            if (done.compareAndSet(false, true)) {
                inFlight.decrementAndGet();
            }
        }

        @Override
        public String toString() {
            return partition + "@" + offset;
        }
    }
}
