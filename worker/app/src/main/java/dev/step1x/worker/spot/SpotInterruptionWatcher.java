package dev.step1x.worker.spot;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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
 * <p>Off by default ({@link Settings#defaults()}): outside EC2 there is no metadata service, and inside a
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

    private static final Pattern ACTION = Pattern.compile("\"action\"\\s*:\\s*\"([^\"]*)\"");
    private static final Pattern TIME = Pattern.compile("\"time\"\\s*:\\s*\"([^\"]*)\"");
    private static final int MAX_BODY_CHARS = 4096;

    /**
     * How the watcher polls.
     *
     * @param enabled        off by default; {@link #start()} does nothing while false
     * @param baseUrl        scheme, host and port of the metadata service (tests point it at a fake)
     * @param interval       time between two polls (AWS recommends 5 s; the notice comes 2 min ahead)
     * @param requestTimeout connect and response timeout of one request
     * @param tokenTtl       lifetime asked for each IMDSv2 token (1 s to 6 h)
     */
    public record Settings(boolean enabled, URI baseUrl, Duration interval, Duration requestTimeout,
            Duration tokenTtl) {

        public Settings {
            Objects.requireNonNull(baseUrl, "baseUrl");
            Objects.requireNonNull(interval, "interval");
            Objects.requireNonNull(requestTimeout, "requestTimeout");
            Objects.requireNonNull(tokenTtl, "tokenTtl");
            if (baseUrl.getScheme() == null || baseUrl.getHost() == null) {
                throw new IllegalArgumentException("baseUrl must be absolute, e.g. http://169.254.169.254: " + baseUrl);
            }
            if (interval.isNegative() || interval.isZero()) {
                throw new IllegalArgumentException("interval must be positive: " + interval);
            }
            if (requestTimeout.isNegative() || requestTimeout.isZero()) {
                throw new IllegalArgumentException("requestTimeout must be positive: " + requestTimeout);
            }
            if (tokenTtl.compareTo(Duration.ofSeconds(1)) < 0 || tokenTtl.compareTo(Duration.ofHours(6)) > 0) {
                throw new IllegalArgumentException("tokenTtl must be between 1 s and 6 h (IMDSv2 limits): " + tokenTtl);
            }
        }

        /** Disabled; IMDS at 169.254.169.254; every 5 s; 2 s timeout; 6 h tokens. */
        public static Settings defaults() {
            return new Settings(false, DEFAULT_BASE_URL, Duration.ofSeconds(5), Duration.ofSeconds(2),
                    Duration.ofHours(6));
        }

        public Settings withEnabled(boolean value) {
            return new Settings(value, baseUrl, interval, requestTimeout, tokenTtl);
        }

        public Settings withBaseUrl(URI value) {
            return new Settings(enabled, value, interval, requestTimeout, tokenTtl);
        }

        public Settings withInterval(Duration value) {
            return new Settings(enabled, baseUrl, value, requestTimeout, tokenTtl);
        }

        public Settings withRequestTimeout(Duration value) {
            return new Settings(enabled, baseUrl, interval, value, tokenTtl);
        }

        public Settings withTokenTtl(Duration value) {
            return new Settings(enabled, baseUrl, interval, requestTimeout, value);
        }
    }

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

    private record Token(String value, Instant renewAfter) {
    }

    private final Settings settings;
    private final Runnable onNotice;
    private final HttpClient http;
    private final Clock clock;
    private final AtomicBoolean fired = new AtomicBoolean();
    private final AtomicReference<Notice> notice = new AtomicReference<>();
    private final Object lifecycleLock = new Object();
    private ScheduledExecutorService executor;
    private volatile boolean closed;
    private Token token; // only touched by the polling thread (or by pollOnce callers, one at a time)
    private boolean unavailableLogged;

    /**
     * @param settings how to poll (see {@link Settings#defaults()})
     * @param onNotice called once, on the watcher's thread, when a notice appears
     */
    public SpotInterruptionWatcher(Settings settings, Runnable onNotice) {
        this(settings, onNotice, HttpClient.newBuilder()
                .connectTimeout(settings.requestTimeout())
                .version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NEVER)
                .proxy(HttpClient.Builder.NO_PROXY) // link-local: never through an HTTP proxy
                .build(), Clock.systemUTC());
    }

    SpotInterruptionWatcher(Settings settings, Runnable onNotice, HttpClient http, Clock clock) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.onNotice = Objects.requireNonNull(onNotice, "onNotice");
        this.http = Objects.requireNonNull(http, "http");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    public Settings settings() {
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
        String tok = currentToken();
        if (tok == null) {
            return PollResult.UNAVAILABLE;
        }
        HttpResponse<String> response = getInstanceAction(tok);
        if (response.statusCode() == 401) {
            // Expired or revoked token: get a new one and try once more.
            token = null;
            tok = currentToken();
            if (tok == null) {
                return PollResult.UNAVAILABLE;
            }
            response = getInstanceAction(tok);
        }
        int status = response.statusCode();
        if (status == 404) {
            return PollResult.NO_NOTICE;
        }
        if (status == 200) {
            fire(parse(response.body()));
            return PollResult.NOTICE;
        }
        if (status == 401) {
            token = null;
        }
        return unavailable("HTTP " + status + " from " + INSTANCE_ACTION_PATH);
    }

    private HttpResponse<String> getInstanceAction(String tok) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(settings.baseUrl().resolve(INSTANCE_ACTION_PATH))
                .timeout(settings.requestTimeout())
                .header(TOKEN_HEADER, tok)
                .GET()
                .build();
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }

    /** The cached token, or a new one when none is cached or it is due for renewal; null if IMDS refused. */
    private String currentToken() throws IOException, InterruptedException {
        Instant now = clock.instant();
        Token t = token;
        if (t != null && now.isBefore(t.renewAfter())) {
            return t.value();
        }
        long ttlSeconds = Math.max(1, settings.tokenTtl().toSeconds());
        HttpRequest request = HttpRequest.newBuilder(settings.baseUrl().resolve(TOKEN_PATH))
                .timeout(settings.requestTimeout())
                .header(TOKEN_TTL_HEADER, Long.toString(ttlSeconds))
                .PUT(HttpRequest.BodyPublishers.noBody())
                .build();
        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
        String body = response.body() == null ? "" : response.body().strip();
        if (response.statusCode() != 200 || body.isEmpty()) {
            token = null;
            unavailable("HTTP " + response.statusCode() + " from " + TOKEN_PATH);
            return null;
        }
        // Renew a minute before expiry (half-way for very short TTLs), so a poll never uses a dying token.
        long marginSeconds = ttlSeconds > 120 ? 60 : Math.max(0, ttlSeconds / 2);
        token = new Token(body, now.plusSeconds(ttlSeconds - marginSeconds));
        return body;
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

    private Notice parse(String rawBody) {
        String body = rawBody == null ? "" : rawBody;
        if (body.length() > MAX_BODY_CHARS) {
            body = body.substring(0, MAX_BODY_CHARS);
        }
        Matcher a = ACTION.matcher(body);
        String action = a.find() ? a.group(1) : "unknown";
        Optional<Instant> time = Optional.empty();
        Matcher t = TIME.matcher(body);
        if (t.find()) {
            try {
                time = Optional.of(Instant.parse(t.group(1)));
            } catch (DateTimeParseException e) {
                time = Optional.empty();
            }
        }
        return new Notice(action, time, body, clock.instant());
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
