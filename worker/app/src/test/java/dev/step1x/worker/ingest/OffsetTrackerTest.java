package dev.step1x.worker.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class OffsetTrackerTest {

    final List<String> acked = new ArrayList<>();
    final OffsetTracker<String> tracker = new OffsetTracker<>(acked::add);
    final TopicPartition p0 = new TopicPartition("t", 0);
    final TopicPartition p1 = new TopicPartition("t", 1);

    @Test
    void acknowledgesOnlyTheContiguousCompletedPrefix() {
        var t10 = tracker.register(p0, 10, "p0@10");
        var t11 = tracker.register(p0, 11, "p0@11");
        var t12 = tracker.register(p0, 12, "p0@12");
        t12.complete();
        t11.complete();
        assertThat(acked).as("10 is still running: nothing may be committed").isEmpty();
        t10.complete();
        assertThat(acked).containsExactly("p0@12");
        assertThat(tracker.inFlight()).isZero();
    }

    @Test
    void partitionsAreIndependentAndCompletionIsIdempotent() {
        var a = tracker.register(p0, 0, "p0@0");
        var b = tracker.register(p1, 0, "p1@0");
        b.complete();
        b.complete();
        assertThat(acked).containsExactly("p1@0");
        a.complete();
        assertThat(acked).containsExactly("p1@0", "p0@0");
    }

    @Test
    void abandonedRecordBlocksLaterCommitsSoItIsRedelivered() {
        var a = tracker.register(p0, 5, "p0@5");
        var b = tracker.register(p0, 6, "p0@6");
        a.abandon();
        b.complete();
        assertThat(acked).isEmpty();
        assertThat(tracker.inFlight()).isZero();
    }

    @Test
    void revokedPartitionsNeverAcknowledge() {
        var a = tracker.register(p0, 1, "p0@1");
        tracker.revoke(Set.of(p0));
        a.complete();
        assertThat(acked).isEmpty();
        var b = tracker.register(p0, 1, "p0@1-again");
        b.complete();
        assertThat(acked).containsExactly("p0@1-again");
    }
}
