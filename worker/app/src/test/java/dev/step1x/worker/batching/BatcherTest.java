package dev.step1x.worker.batching;

import static org.assertj.core.api.Assertions.assertThat;

import dev.step1x.engine.ModelVersion;
import dev.step1x.engine.pipeline.BucketKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class BatcherTest {

    record Req(String id, BucketKey bucket, int priority, Instant deadline) implements Batcher.Item {}

    static final BucketKey BIG = new BucketKey(ModelVersion.V1_1, 1024, 1024, 28);
    static final BucketKey SMALL = new BucketKey(ModelVersion.V1_1, 512, 512, 28);
    static final BucketKey RARE = new BucketKey(ModelVersion.V1_1, 432, 592, 28);

    final AtomicLong nanos = new AtomicLong();
    Instant wall = Instant.parse("2025-06-01T12:00:00Z");

    Batcher<Req> batcher(int maxRows, double quantum) {
        return new Batcher<>(k -> maxRows, Duration.ofMillis(100), quantum, nanos::get,
                new Clock() {
                    @Override
                    public ZoneOffset getZone() {
                        return ZoneOffset.UTC;
                    }

                    @Override
                    public Clock withZone(java.time.ZoneId zone) {
                        return this;
                    }

                    @Override
                    public Instant instant() {
                        return wall;
                    }
                });
    }

    void advanceMs(long ms) {
        nanos.addAndGet(ms * 1_000_000);
        wall = wall.plusMillis(ms);
    }

    @Test
    void fullBucketLeavesAtOnceAndPartialOneAfterMaxDelay() {
        Batcher<Req> b = batcher(4, 4);
        for (int i = 0; i < 5; i++) {
            b.add(new Req("s" + i, SMALL, 5, null));
        }
        Batcher.Batch<Req> first = b.pollReady();
        assertThat(first.items()).extracting(Req::id).containsExactly("s0", "s1", "s2", "s3");
        assertThat(first.maxRows()).isEqualTo(4);
        assertThat(b.pollReady()).as("one request left, not yet old enough").isNull();
        advanceMs(100);
        assertThat(b.pollReady().items()).extracting(Req::id).containsExactly("s4");
        assertThat(b.depth()).isZero();
    }

    @Test
    void rareBucketIsServedWithinOneRoundWhileABusyBucketIsAlwaysFull() {
        Batcher<Req> b = batcher(4, 4);
        b.add(new Req("rare", RARE, 5, null));
        List<String> order = new ArrayList<>();
        int seq = 0;
        for (int round = 0; round < 6; round++) {
            while (b.depthByBucket().getOrDefault(BIG, 0) < 8) {
                b.add(new Req("big" + seq++, BIG, 5, null));
            }
            advanceMs(60); // the rare request becomes ready after 100 ms
            Batcher.Batch<Req> batch = b.pollReady();
            order.add(batch.key() == RARE ? "RARE" : "BIG");
        }
        int rareAt = order.indexOf("RARE");
        assertThat(rareAt).as("order " + order).isBetween(1, 2); // ready at the 2nd poll, served at most one batch later
    }

    @Test
    void deficitRoundRobinGivesExpensiveBucketsTheirShareByCost() {
        // quantum 1 cost unit per visit: a full 1024² batch (4 rows, cost 4) needs 4 visits, a 512² one (cost 1) one
        Batcher<Req> b = batcher(4, 1.0);
        for (int i = 0; i < 40; i++) {
            b.add(new Req("big" + i, BIG, 5, null));
            b.add(new Req("small" + i, SMALL, 5, null));
        }
        int big = 0;
        int small = 0;
        for (int i = 0; i < 10; i++) {
            Batcher.Batch<Req> batch = b.pollReady();
            if (batch.key().equals(BIG)) {
                big++;
            } else {
                small++;
            }
        }
        assertThat(small).as("small batches cost a quarter of big ones").isGreaterThan(big * 2);
        assertThat(big).isGreaterThan(0);
    }

    @Test
    void higherPriorityFirstWithinABucket() {
        Batcher<Req> b = batcher(2, 4);
        b.add(new Req("low", SMALL, 1, null));
        b.add(new Req("high", SMALL, 9, null));
        b.add(new Req("mid", SMALL, 5, null));
        assertThat(b.pollReady().items()).extracting(Req::id).containsExactly("high", "mid");
    }

    @Test
    void expiredRequestsAreHandedBackNotBatched() {
        Batcher<Req> b = batcher(4, 4);
        b.add(new Req("late", SMALL, 5, wall.plusMillis(50)));
        b.add(new Req("fine", SMALL, 5, wall.plusSeconds(60)));
        advanceMs(100);
        Batcher.Batch<Req> batch = b.pollReady();
        assertThat(batch.expired()).extracting(Req::id).containsExactly("late");
        assertThat(batch.items()).extracting(Req::id).containsExactly("fine");
    }

    @Test
    void flushingMakesEveryBucketReadyAndDrainAllEmptiesTheQueues() {
        Batcher<Req> b = batcher(4, 4);
        b.add(new Req("a", SMALL, 5, null));
        b.add(new Req("b", BIG, 5, null));
        assertThat(b.pollReady()).isNull();
        b.setFlushing(true);
        assertThat(b.pollReady().items()).hasSize(1);
        assertThat(b.drainAll()).extracting(Req::id).containsExactly("b");
        assertThat(b.depth()).isZero();
    }

    @Test
    void pollWaitsForMaxDelayOnARealClock() throws Exception {
        Batcher<Req> b = new Batcher<>(k -> 4, Duration.ofMillis(50), 4, System::nanoTime, Clock.systemUTC());
        b.add(new Req("x", SMALL, 5, null));
        long t0 = System.nanoTime();
        Batcher.Batch<Req> batch = b.poll(Duration.ofSeconds(2));
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertThat(batch.items()).hasSize(1);
        assertThat(ms).isBetween(30L, 1000L);
        assertThat(b.poll(Duration.ofMillis(20))).isNull();
    }

    @Test
    void removeIfTakesOnlyTheMatchingRequestsInArrivalOrder() {
        Batcher<Req> b = batcher(4, 4);
        b.add(new Req("a1", SMALL, 5, null));
        b.add(new Req("b1", BIG, 5, null));
        b.add(new Req("a2", BIG, 9, null));
        b.add(new Req("b2", SMALL, 5, null));
        List<Req> removed = b.removeIf(r -> r.id().startsWith("a"));
        assertThat(removed).extracting(Req::id).containsExactly("a1", "a2");
        assertThat(b.depth()).isEqualTo(2);
        advanceMs(150);
        List<String> left = new ArrayList<>();
        for (Batcher.Batch<Req> x = b.pollReady(); x != null; x = b.pollReady()) {
            x.items().forEach(r -> left.add(r.id()));
        }
        assertThat(left).containsExactlyInAnyOrder("b1", "b2");
    }
}
