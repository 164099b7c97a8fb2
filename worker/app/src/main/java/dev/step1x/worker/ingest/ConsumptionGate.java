package dev.step1x.worker.ingest;

import java.util.EnumSet;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.listener.MessageListenerContainer;

/**
 * Pauses and resumes the request consumer for any number of reasons at once; consumption runs only while
 * no reason holds. Pausing a Spring Kafka container keeps its consumer polling (so it stays in the group)
 * while no records are fetched.
 */
public final class ConsumptionGate {

    private static final Logger log = LoggerFactory.getLogger(ConsumptionGate.class);

    /** Why consumption is paused. */
    public enum Reason {
        /** Too many records in flight (backpressure). */
        BACKPRESSURE,
        /** The S3 circuit breaker is open: an outage, nothing new is taken. */
        STORAGE_OUTAGE,
        /** The engine is loading or running its warm-up batch. */
        WARMING_UP,
        /** Shutting down. */
        DRAINING
    }

    private final Set<Reason> reasons = EnumSet.noneOf(Reason.class);
    private MessageListenerContainer container;
    private boolean paused;

    /** The request binding's container (registered by the container customizer). */
    public synchronized void attach(MessageListenerContainer c) {
        this.container = c;
        paused = false;
        apply();
    }

    public synchronized void pause(Reason reason) {
        if (reasons.add(reason)) {
            log.info("consumption paused: {} (reasons now {})", reason, reasons);
            apply();
        }
    }

    public synchronized void resume(Reason reason) {
        if (reasons.remove(reason)) {
            log.info("pause reason cleared: {} (reasons now {})", reason, reasons);
            apply();
        }
    }

    public synchronized boolean isPaused(Reason reason) {
        return reasons.contains(reason);
    }

    private void apply() {
        if (container == null) {
            return;
        }
        boolean want = !reasons.isEmpty();
        if (want && !paused) {
            container.pause();
            paused = true;
        } else if (!want && paused) {
            container.resume();
            paused = false;
        }
    }
}
