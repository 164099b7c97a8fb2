package dev.step1x.worker.publish;

import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/** Named daemon threads. */
public final class Threads {

    private Threads() {}

    public static ThreadFactory named(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, "step1x-" + prefix + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
