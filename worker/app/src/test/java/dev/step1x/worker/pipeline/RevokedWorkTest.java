package dev.step1x.worker.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.step1x.contracts.EditRequest;
import dev.step1x.engine.ModelVersion;
import dev.step1x.engine.image.RgbImage;
import dev.step1x.engine.pipeline.EditInput;
import dev.step1x.worker.batching.Batcher;
import dev.step1x.worker.ingest.OffsetTracker;
import dev.step1x.worker.metrics.WorkerMeters;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/** On revocation, queued requests of the lost partitions are given up unrun and uncommitted; the others stay. */
class RevokedWorkTest {

    static final TopicPartition LOST = new TopicPartition("requests", 0);
    static final TopicPartition KEPT = new TopicPartition("requests", 1);

    final List<String> acked = new ArrayList<>();
    final OffsetTracker<String> tracker = new OffsetTracker<>(acked::add);
    final Deliveries deliveries = new Deliveries(10);
    final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    final RecordingAnswerer sink = new RecordingAnswerer(deliveries, meters);
    final Answerer answerer = sink.answerer;
    final List<String> published = sink.published;
    final Batcher<Prepared> batcher = new Batcher<>(k -> 4, Duration.ofMillis(1), 4, System::nanoTime,
            Clock.systemUTC());
    final RevokedWork revoked = new RevokedWork(batcher, answerer, meters);
    long offset;

    /** A request taken from {@code tp}, claimed in flight as the intake does. */
    Prepared taken(String id, TopicPartition tp) {
        Delivery d = new Delivery(tracker.register(tp, offset++, id + "@" + tp.partition()), 1, null);
        Accepted a = new Accepted(EditRequest.of(id, EditRequest.Input.of("in", id + ".png"), "edit", "out").withDefaults(), "h",
                d, 0, 0, 0);
        assertThat(deliveries.claim(a.inFlightKey(), d)).isTrue();
        EditInput input = new EditInput(new RgbImage(16, 16, new byte[16 * 16 * 3]), "edit", "", 512, 28, 6f, 1L,
                ModelVersion.V1_1);
        return new Prepared(a, input, 0, 0);
    }

    double droppedCount() {
        return meters.counter(WorkerMeters.REVOKED_DROPPED.meterName()).count();
    }

    @Test
    void queuedRequestsOfRevokedPartitionsAreGivenUpAndTheOthersStay() {
        List<Prepared> lost = List.of(taken("l1", LOST), taken("l2", LOST), taken("l3", LOST));
        List<Prepared> kept = List.of(taken("k1", KEPT), taken("k2", KEPT));
        lost.forEach(batcher::add);
        kept.forEach(batcher::add);
        assertThat(tracker.inFlight()).isEqualTo(5);

        tracker.revoke(List.of(LOST));
        assertThat(revoked.dropQueued()).isEqualTo(3);

        assertThat(batcher.depth()).isEqualTo(2);
        assertThat(batcher.drainAll()).containsExactlyElementsOf(kept);
        assertThat(tracker.inFlight()).as("the lost ones left the pipeline").isEqualTo(2);
        assertThat(published).as("not answered: the new owner runs them").isEmpty();
        assertThat(acked).as("nothing committed for them").isEmpty();
        assertThat(droppedCount()).isEqualTo(3);
        Prepared again = taken("l1", KEPT);
        assertThat(again).as("released: a later delivery of the same request runs here").isNotNull();
    }

    @Test
    void aRequestWithADeliveryStillOwnedHereStaysQueued() {
        Prepared first = taken("r1", LOST);
        // the same request bytes delivered again on a partition this worker keeps: attached to the first
        Delivery attached = new Delivery(tracker.register(KEPT, offset++, "r1@1"), 1, null);
        assertThat(deliveries.claim(first.accepted().inFlightKey(), attached)).isFalse();
        batcher.add(first);

        tracker.revoke(List.of(LOST));
        assertThat(revoked.dropQueued()).isZero();
        assertThat(batcher.drainAll()).containsExactly(first);
        assertThat(tracker.inFlight()).isEqualTo(2);
    }

    @Test
    void aBatchKeepsOnlyWhatIsStillOwned() {
        Prepared lost = taken("l1", LOST);
        Prepared kept = taken("k1", KEPT);
        tracker.revoke(List.of(LOST));
        assertThat(revoked.keepOwned(List.of(lost, kept))).containsExactly(kept);
        assertThat(tracker.inFlight()).isEqualTo(1);
        List<Prepared> owned = List.of(kept);
        assertThat(revoked.keepOwned(owned)).isSameAs(owned);
        assertThat(droppedCount()).isEqualTo(1);
    }
}
