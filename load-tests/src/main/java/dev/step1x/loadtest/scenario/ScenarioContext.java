package dev.step1x.loadtest.scenario;

import dev.step1x.loadtest.env.Cluster;
import java.io.PrintStream;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;

/** What scenarios share in one load run: the settings, the cluster (started on first use), progress output. */
public final class ScenarioContext implements AutoCloseable {

    private final Settings settings;
    private final PrintStream out;
    private Cluster cluster;
    private int runs;

    public ScenarioContext(Settings settings, PrintStream out) {
        this.settings = settings;
        this.out = out;
    }

    public Settings settings() {
        return settings;
    }

    /** The broker and S3Proxy, started on first use. */
    public synchronized Cluster cluster() {
        if (cluster == null) {
            long t0 = System.nanoTime();
            cluster = Cluster.start(settings.workDir());
            log("cluster up in %.1f s: Kafka (KRaft, child JVM) %s, S3Proxy %s", (System.nanoTime() - t0) / 1e9,
                    cluster.broker().bootstrap(), cluster.s3().endpoint());
        }
        return cluster;
    }

    /** A short unique run id for topic, group, request and object names. */
    public synchronized String runId(String scenario) {
        return "lt-" + scenario + "-" + Long.toString(System.currentTimeMillis() % 1_000_000, 36) + (runs++);
    }

    /** A progress line. */
    public void log(String fmt, Object... args) {
        out.printf("[%s] %s%n", LocalTime.now().format(DateTimeFormatter.ofPattern("HH:mm:ss")), String.format(fmt, args));
        out.flush();
    }

    public PrintStream out() {
        return out;
    }

    @Override
    public synchronized void close() {
        if (cluster != null) {
            cluster.close();
            cluster = null;
        }
    }
}
