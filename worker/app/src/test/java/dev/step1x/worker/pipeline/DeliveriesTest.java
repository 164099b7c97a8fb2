package dev.step1x.worker.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Redeliveries: attached to the delivery in flight, or answered from the final results remembered. */
class DeliveriesTest {

    /** Records what the pipeline reported. */
    static final class Recorded implements Completion {
        final List<String> events = new ArrayList<>();

        @Override
        public void complete() {
            events.add("complete");
        }

        @Override
        public void abandon() {
            events.add("abandon");
        }
    }

    static Delivery delivery(String trace) {
        return new Delivery(new Recorded(), 1, trace);
    }

    @Test
    void aRedeliveryInFlightIsAttachedAndReleasedWithTheFirst() {
        Deliveries d = new Deliveries(10);
        Delivery first = delivery("a");
        Delivery again = delivery("b");
        assertThat(d.claim("r1#h1", first)).isTrue();
        assertThat(d.claim("r1#h1", again)).isFalse();
        assertThat(d.claim("r2#h1", delivery("c"))).as("another request").isTrue();
        assertThat(d.claim("r1#h2", delivery("e"))).as("other bytes under the same id: not a duplicate").isTrue();
        assertThat(d.release("r1#h1")).containsExactly(again);
        assertThat(d.claim("r1#h1", delivery("d"))).as("released: the next delivery runs").isTrue();
    }

    @Test
    void onlyFinalAnswersAreRememberedAndOnlyForTheSameBytes() {
        Deliveries d = new Deliveries(2);
        d.claim("r1#hash-1", delivery(null));
        d.settle("r1", "r1#hash-1", new ResultCache.Cached("hash-1", new byte[] {1}, 1));
        assertThat(d.answered("r1", "hash-1").resultJson()).containsExactly(1);
        assertThat(d.answered("r1", "hash-2")).as("other request bytes").isNull();

        d.claim("r2#hash-1", delivery(null));
        d.settle("r2", "r2#hash-1", null); // a retryable failure: run again when it comes back
        assertThat(d.answered("r2", "hash-1")).isNull();
        assertThat(d.claim("r2#hash-1", delivery(null))).isTrue();

        d.settle("r3", "r3#h", new ResultCache.Cached("h", new byte[0], 1));
        d.settle("r4", "r4#h", new ResultCache.Cached("h", new byte[0], 1));
        assertThat(d.answered("r1", "hash-1")).as("least recently used, beyond the cache size").isNull();
    }
}
