package dev.step1x.worker;

import dev.step1x.worker.spot.SpotInterruptionWatcher;
import dev.step1x.worker.spot.SpotWatcherSettings;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.ConfigurableApplicationContext;
import sun.misc.Signal;

/**
 * The Kafka-fed Step1X-Edit worker: requests from {@code image-edit.requests}, inputs and outputs in S3,
 * results on {@code image-edit.results}. On SIGTERM (or SIGINT) it drains (stops consuming, finishes the
 * batch in flight, publishes, commits, leaves the group) and exits with status 0.
 */
@SpringBootApplication
public class WorkerApplication {

    public static void main(String[] args) {
        ConfigurableApplicationContext context = SpringApplication.run(WorkerApplication.class, args);
        exitCleanlyOn(context, "TERM");
        exitCleanlyOn(context, "INT");
        watchSpotInterruptions(context);
    }

    /** Replaces the JVM's default handler (exit 143) by a drain and exit 0. */
    static void exitCleanlyOn(ConfigurableApplicationContext context, String signal) {
        try {
            Signal.handle(new Signal(signal), s -> drainAndExit(context));
        } catch (IllegalArgumentException e) {
            // signal not available on this platform: keep the JVM default
        }
    }

    /** A spot interruption notice drains exactly like SIGTERM (the notice comes about two minutes ahead). */
    static void watchSpotInterruptions(ConfigurableApplicationContext context) {
        SpotWatcherSettings settings = context.getBean(SpotWatcherSettings.class);
        SpotInterruptionWatcher watcher = new SpotInterruptionWatcher(settings, () -> drainAndExit(context));
        if (watcher.start()) {
            context.addApplicationListener((org.springframework.context.event.ContextClosedEvent e) -> watcher.close());
        }
    }

    private static void drainAndExit(ConfigurableApplicationContext context) {
        new Thread(() -> System.exit(SpringApplication.exit(context)), "step1x-shutdown").start();
    }
}
