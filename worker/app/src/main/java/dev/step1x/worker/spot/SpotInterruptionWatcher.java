package dev.step1x.worker.spot;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches the EC2 instance metadata service (IMDSv2) for a spot interruption notice and calls a callback
 * once when one appears. Spring-free; the application decides what the callback does (start the drain,
 * leave the consumer group instead of remaining in it).
 *
 * <p>Protocol, as AWS documents it: {@code PUT /latest/api/token} with the header
 * {@code X-aws-ec2-metadata-token-ttl-seconds} returns a session token; {@code GET
 * /latest/meta-data/spot/instance-action} with the header {@code X-aws-ec2-metadata-token} returns 404
 * while no action is scheduled and 200 with {@code {"action": "terminate|stop|hibernate", "time": "..."}}
 * about two minutes before the instance is interrupted. AWS recommends checking every 5 seconds.
 *
 * <p>Robustness: every request has a timeout; a refused connection, a timeout, a 5xx or a garbled answer
 * counts as "no notice" and polling goes on at the same interval (logged once per outage, not per poll).
 * A 401 on the GET means the token expired or was revoked: the watcher fetches a new token and retries
 * once. Tokens are renewed before their TTL runs out. The callback runs at most once, on the watcher's
 * own daemon thread; after it the watcher stops polling. An exception thrown by the callback is logged and
 * does not reach the poll loop.
 *
 * <p>Off by default ({@link SpotWatcherSettings#defaults()}): outside EC2 there is no metadata service, and inside a
 * pod IMDSv2 answers only if the node allows a PUT response hop limit of 2 (Karpenter's EC2NodeClass
 * {@code metadataOptions.httpPutResponseHopLimit}); with a hop limit of 1 the token request times out and
 * the watcher simply never fires (Karpenter's interruption queue still drains the node).
 */
public final class SpotInterruptionWatcher implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(SpotInterruptionWatcher.class);

    /** The link-local address of the EC2 instance metadata service. */
    public static final URI DEFAULT_BASE_URL = URI.create("http://169.254.169.254");
    static final String TOKEN_PATH = "/latest/api/token";
    static final String INSTANCE_ACTION_PATH = "/latest/meta-data/spot/instance-action";
    static final String TOKEN_TTL_HEADER = "X-aws-ec2-metadata-token-ttl-seconds";
    static final String TOKEN_HEADER = "X-aws-ec2-metadata-token";


    /**
     * The interruption notice as the metadata service gave it.
     *
     * @param action   {@code terminate}, {@code stop}, {@code hibernate}, or {@code unknown} if the body
     *                 could not be read
     * @param time     when the action happens, if the body said so
     * @param body     the raw body (at most 4096 characters)
     * @param noticedAt when this watcher saw it
     */
    public record Notice(String action, Optional<Instant> time, String body, Instant noticedAt) {
    }

    /** What one poll found. */
    enum PollResult {
        NO_NOTICE, NOTICE, UNAVAILABLE
    }

    private final SpotWatcherSettings settings;
    private final Runnable onNotice;
    private final MetadataClient imds;
    private final Clock clock;
    private final AtomicBoolean fired = new AtomicBoolean();
    private final AtomicReference<Notice> notice = new AtomicReference<>();
    private final Object lifecycleLock = new Object();
    private ScheduledExecutorService executor;
    private volatile boolean closed;
    private boolean unavailableLogged;

    /**
     * @param settings how to poll (see {@link SpotWatcherSettings#defaults()})
     * @param onNotice called once, on the watcher's thread, when a notice appears
     */
    public SpotInterruptionWatcher(SpotWatcherSettings settings, Runnable onNotice) {
        this(settings, onNotice, HttpClient.newBuilder()
                .connectTimeout(settings.requestTimeout())
                .version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NEVER)
                .proxy(HttpClient.Builder.NO_PROXY) // link-local: never through an HTTP proxy
                .build(), Clock.systemUTC());
    }

    SpotInterruptionWatcher(SpotWatcherSettings settings, Runnable onNotice, HttpClient http, Clock clock) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.onNotice = Objects.requireNonNull(onNotice, "onNotice");
        this.imds = new MetadataClient(settings, Objects.requireNonNull(http, "http"), clock);
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    public SpotWatcherSettings settings() {
        return settings;
    }

    /**
     * Starts polling on a daemon thread (first poll at once). Does nothing and returns false when the
     * watcher is disabled, already started, closed, or has already seen a notice.
     */
    public boolean start() {
        if (!settings.enabled()) {
            log.debug("Spot interruption watcher disabled");
            return false;
        }
        synchronized (lifecycleLock) {
            if (executor != null || closed || fired.get()) {
                return false;
            }
            executor = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "spot-interruption-watcher");
                t.setDaemon(true);
                return t;
            });
            executor.scheduleWithFixedDelay(this::pollSafely, 0, settings.interval().toMillis(),
                    TimeUnit.MILLISECONDS);
        }
        log.info("Watching {} for spot interruption notices every {} ms", settings.baseUrl(),
                settings.interval().toMillis());
        return true;
    }

    /** True while the polling thread is scheduled (started, not closed, no notice yet). */
    public boolean isRunning() {
        synchronized (lifecycleLock) {
            return executor != null && !executor.isShutdown();
        }
    }

    /** True once a notice was seen (the callback has been called or is being called). */
    public boolean noticed() {
        return fired.get();
    }

    /** The notice, once seen. */
    public Optional<Notice> notice() {
        return Optional.ofNullable(notice.get());
    }

    /** Stops polling; the callback is not called by closing. Idempotent. */
    @Override
    public void close() {
        ScheduledExecutorService e;
        synchronized (lifecycleLock) {
            closed = true;
            e = executor;
        }
        if (e != null) {
            e.shutdownNow();
        }
    }

    private void pollSafely() {
        try {
            pollOnce();
        } catch (RuntimeException e) {
            // Never let an exception cancel the schedule (a ScheduledExecutorService drops a task that throws).
            log.warn("Spot interruption poll failed unexpectedly; polling continues", e);
        }
    }

    /** One poll: token (renewed when due), then the instance-action document. Fires the callback on a notice. */
    PollResult pollOnce() {
        if (fired.get() || closed) {
            return fired.get() ? PollResult.NOTICE : PollResult.NO_NOTICE;
        }
        PollResult result;
        try {
            result = checkInstanceAction();
        } catch (IOException e) {
            result = unavailable(e.getClass().getSimpleName() + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return PollResult.UNAVAILABLE;
        }
        if (result != PollResult.UNAVAILABLE && unavailableLogged) {
            unavailableLogged = false;
            log.info("Instance metadata service at {} reachable again", settings.baseUrl());
        }
        return result;
    }

    private PollResult checkInstanceAction() throws IOException, InterruptedException {
        String tok = token();
        if (tok == null) {
            return PollResult.UNAVAILABLE;
        }
        HttpResponse<String> response = imds.instanceAction(tok);
        if (response.statusCode() == 401) {
            // Expired or revoked token: get a new one and try once more.
            imds.forgetToken();
            tok = token();
            if (tok == null) {
                return PollResult.UNAVAILABLE;
            }
            response = imds.instanceAction(tok);
        }
        int status = response.statusCode();
        if (status == 404) {
            return PollResult.NO_NOTICE;
        }
        if (status == 200) {
            fire(MetadataClient.parse(response.body(), clock.instant()));
            return PollResult.NOTICE;
        }
        if (status == 401) {
            imds.forgetToken();
        }
        return unavailable("HTTP " + status + " from " + INSTANCE_ACTION_PATH);
    }

    /** The session token, or null (logged) when the metadata service refused one. */
    private String token() throws IOException, InterruptedException {
        MetadataClient.TokenAnswer t = imds.token();
        if (t.value() == null) {
            unavailable("HTTP " + t.status() + " from " + TOKEN_PATH);
        }
        return t.value();
    }

    private PollResult unavailable(String why) {
        if (!unavailableLogged) {
            unavailableLogged = true;
            log.warn("Instance metadata service at {} unavailable ({}); no spot notice can be seen until it answers",
                    settings.baseUrl(), why);
        } else {
            log.debug("Instance metadata service still unavailable: {}", why);
        }
        return PollResult.UNAVAILABLE;
    }

    private void fire(Notice n) {
        if (!fired.compareAndSet(false, true)) {
            return;
        }
        notice.set(n);
        log.warn("Spot interruption notice: action={} time={}; starting the drain", n.action(),
                n.time().map(Instant::toString).orElse("?"));
        ScheduledExecutorService e;
        synchronized (lifecycleLock) {
            e = executor;
        }
        if (e != null) {
            e.shutdown(); // no further polls; this one finishes
        }
        try {
            onNotice.run();
        } catch (RuntimeException ex) {
            log.error("Spot interruption callback failed", ex);
        }
    }
}
