package dev.step1x.worker.spot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The watcher against a fake IMDSv2 on 127.0.0.1 (com.sun.net.httpserver): no notice, a notice, token
 * renewal and revocation, a dead and a hanging endpoint.
 */
class SpotInterruptionWatcherTest {

    private static final String NOTICE_BODY = "{\"action\": \"terminate\", \"time\": \"2026-11-28T08:22:00Z\"}";
    private static final Duration INTERVAL = Duration.ofMillis(100);

    private FakeImds imds;
    private SpotInterruptionWatcher watcher;

    @AfterEach
    void tearDown() {
        if (watcher != null) {
            watcher.close();
        }
        if (imds != null) {
            imds.close();
        }
    }

    private SpotWatcherSettings settings(URI base) {
        return SpotWatcherSettings.defaults()
                .withEnabled(true)
                .withBaseUrl(base)
                .withInterval(INTERVAL)
                .withRequestTimeout(Duration.ofMillis(500));
    }

    @Test
    void offByDefaultAndThenMakesNoRequest() throws Exception {
        imds = new FakeImds();
        SpotWatcherSettings defaults = SpotWatcherSettings.defaults();
        assertThat(defaults.enabled()).isFalse();
        assertThat(defaults.baseUrl()).isEqualTo(URI.create("http://169.254.169.254"));
        assertThat(defaults.interval()).isEqualTo(Duration.ofSeconds(5));

        AtomicInteger calls = new AtomicInteger();
        watcher = new SpotInterruptionWatcher(defaults.withBaseUrl(imds.base()), calls::incrementAndGet);
        assertThat(watcher.start()).isFalse();
        assertThat(watcher.isRunning()).isFalse();
        Thread.sleep(300);
        assertThat(imds.tokenPuts.get() + imds.actionGets.get()).isZero();
        assertThat(calls).hasValue(0);
    }

    @Test
    void noNoticeMeansNoCallback() throws Exception {
        imds = new FakeImds();
        AtomicInteger calls = new AtomicInteger();
        watcher = new SpotInterruptionWatcher(settings(imds.base()), calls::incrementAndGet);
        assertThat(watcher.start()).isTrue();
        assertThat(watcher.start()).as("second start is a no-op").isFalse();

        awaitTrue(() -> imds.actionGets.get() >= 5, Duration.ofSeconds(5));
        assertThat(calls).hasValue(0);
        assertThat(watcher.noticed()).isFalse();
        assertThat(watcher.notice()).isEmpty();
        assertThat(watcher.isRunning()).isTrue();
        // IMDSv2: one token for all these polls, every GET carried it, the PUT asked for the 6 h default TTL.
        assertThat(imds.tokenPuts).hasValue(1);
        assertThat(imds.ttlHeaders).containsOnly("21600");
        assertThat(imds.badTokenGets).hasValue(0);
    }

    @Test
    void noticeGivesExactlyOneCallbackWithinTheInterval() throws Exception {
        imds = new FakeImds();
        AtomicInteger calls = new AtomicInteger();
        CountDownLatch called = new CountDownLatch(1);
        AtomicReference<String> callbackThread = new AtomicReference<>();
        watcher = new SpotInterruptionWatcher(settings(imds.base()), () -> {
            callbackThread.set(Thread.currentThread().getName());
            calls.incrementAndGet();
            called.countDown();
        });
        watcher.start();
        awaitTrue(() -> imds.actionGets.get() >= 2, Duration.ofSeconds(5));

        long noticeAt = System.nanoTime();
        imds.noticeBody.set(NOTICE_BODY);
        // The next poll starts at most one interval later; allow a generous scheduling margin on a busy CI.
        assertThat(called.await(INTERVAL.toMillis() + 1_000, TimeUnit.MILLISECONDS)).isTrue();
        long latencyMs = (System.nanoTime() - noticeAt) / 1_000_000;
        assertThat(latencyMs).isLessThan(INTERVAL.toMillis() + 1_000);

        int getsAtNotice = imds.actionGets.get();
        Thread.sleep(INTERVAL.toMillis() * 6);
        assertThat(calls).as("exactly one callback").hasValue(1);
        assertThat(imds.actionGets.get()).as("polling stopped after the notice").isEqualTo(getsAtNotice);
        assertThat(watcher.isRunning()).isFalse();
        assertThat(watcher.noticed()).isTrue();
        assertThat(callbackThread.get()).isEqualTo("spot-interruption-watcher");

        SpotInterruptionWatcher.Notice notice = watcher.notice().orElseThrow();
        assertThat(notice.action()).isEqualTo("terminate");
        assertThat(notice.time()).contains(Instant.parse("2026-11-28T08:22:00Z"));
        assertThat(watcher.start()).as("no restart after a notice").isFalse();
    }

    @Test
    void noticeAlreadyPresentAtStartIsSeenOnTheFirstPoll() throws Exception {
        imds = new FakeImds();
        imds.noticeBody.set("{\"action\":\"stop\",\"time\":\"not-a-time\"}");
        CountDownLatch called = new CountDownLatch(1);
        watcher = new SpotInterruptionWatcher(settings(imds.base()).withInterval(Duration.ofSeconds(30)),
                called::countDown);
        watcher.start();
        assertThat(called.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(watcher.notice().orElseThrow().action()).isEqualTo("stop");
        assertThat(watcher.notice().orElseThrow().time()).isEmpty();
    }

    @Test
    void tokenIsRenewedBeforeItsTtlRunsOut() throws Exception {
        imds = new FakeImds();
        imds.enforceTtl = true;
        AtomicInteger calls = new AtomicInteger();
        watcher = new SpotInterruptionWatcher(settings(imds.base()).withTokenTtl(Duration.ofSeconds(2)),
                calls::incrementAndGet);
        watcher.start();
        // A 2 s token is renewed after 1 s; within ~3.5 s at least three tokens are issued.
        awaitTrue(() -> imds.tokenPuts.get() >= 3, Duration.ofSeconds(8));
        assertThat(imds.ttlHeaders).containsOnly("2");
        assertThat(imds.badTokenGets).as("no GET ever used an expired token").hasValue(0);
        assertThat(calls).hasValue(0);
    }

    @Test
    void revokedTokenIsReplacedAndPollingGoesOn() throws Exception {
        imds = new FakeImds();
        CountDownLatch called = new CountDownLatch(1);
        watcher = new SpotInterruptionWatcher(settings(imds.base()), called::countDown);
        watcher.start();
        awaitTrue(() -> imds.actionGets.get() >= 2, Duration.ofSeconds(5));
        assertThat(imds.tokenPuts).hasValue(1);

        imds.revokeAllTokens(); // the next GET gets 401, the watcher asks for a new token and retries
        awaitTrue(() -> imds.tokenPuts.get() >= 2 && imds.goodGetsSinceRevoke.get() >= 2, Duration.ofSeconds(5));
        assertThat(called.getCount()).isEqualTo(1);

        imds.noticeBody.set(NOTICE_BODY);
        assertThat(called.await(5, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void endpointDownMeansNoCallbackAndNoCrash() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        AtomicInteger calls = new AtomicInteger();
        SpotWatcherSettings s = settings(URI.create("http://127.0.0.1:" + closedPort));
        watcher = new SpotInterruptionWatcher(s, calls::incrementAndGet);
        watcher.start();
        for (int i = 0; i < 5; i++) {
            assertThat(watcher.pollOnce()).isEqualTo(SpotInterruptionWatcher.PollResult.UNAVAILABLE);
        }
        Thread.sleep(INTERVAL.toMillis() * 5);
        assertThat(calls).hasValue(0);
        assertThat(watcher.isRunning()).as("still polling").isTrue();
    }

    @Test
    void hangingEndpointTimesOutAndPollingRecoversWhenItAnswersAgain() throws Exception {
        imds = new FakeImds();
        imds.hangMillis.set(3_000); // longer than the 500 ms request timeout
        CountDownLatch called = new CountDownLatch(1);
        watcher = new SpotInterruptionWatcher(settings(imds.base()), called::countDown);
        watcher.start();

        long t0 = System.nanoTime();
        assertThat(watcher.pollOnce()).isEqualTo(SpotInterruptionWatcher.PollResult.UNAVAILABLE);
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofMillis(2_500));
        awaitTrue(() -> imds.tokenAttempts.get() >= 4, Duration.ofSeconds(10)); // the scheduled loop kept trying
        assertThat(called.getCount()).isEqualTo(1);
        assertThat(watcher.isRunning()).isTrue();

        imds.hangMillis.set(0);
        imds.noticeBody.set(NOTICE_BODY);
        assertThat(called.await(10, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void serverErrorsAndRefusedTokensAreNotNotices() throws Exception {
        imds = new FakeImds();
        AtomicInteger calls = new AtomicInteger();
        watcher = new SpotInterruptionWatcher(settings(imds.base()), calls::incrementAndGet);

        imds.actionStatus.set(500);
        assertThat(watcher.pollOnce()).isEqualTo(SpotInterruptionWatcher.PollResult.UNAVAILABLE);
        imds.actionStatus.set(0);
        assertThat(watcher.pollOnce()).isEqualTo(SpotInterruptionWatcher.PollResult.NO_NOTICE);

        imds.tokenStatus.set(403); // IMDS refusing tokens: no token, no notice
        SpotInterruptionWatcher fresh = new SpotInterruptionWatcher(settings(imds.base()), calls::incrementAndGet);
        assertThat(fresh.pollOnce()).isEqualTo(SpotInterruptionWatcher.PollResult.UNAVAILABLE);
        imds.tokenStatus.set(0);
        assertThat(fresh.pollOnce()).isEqualTo(SpotInterruptionWatcher.PollResult.NO_NOTICE);
        fresh.close();
        assertThat(calls).hasValue(0);
    }

    @Test
    void aThrowingCallbackDoesNotBreakTheWatcher() throws Exception {
        imds = new FakeImds();
        AtomicInteger calls = new AtomicInteger();
        watcher = new SpotInterruptionWatcher(settings(imds.base()), () -> {
            calls.incrementAndGet();
            throw new IllegalStateException("drain failed");
        });
        imds.noticeBody.set(NOTICE_BODY);
        assertThat(watcher.pollOnce()).isEqualTo(SpotInterruptionWatcher.PollResult.NOTICE);
        assertThat(watcher.pollOnce()).isEqualTo(SpotInterruptionWatcher.PollResult.NOTICE);
        assertThat(calls).hasValue(1);
        assertThat(watcher.noticed()).isTrue();
    }

    @Test
    void closeStopsPollingWithoutCallingBack() throws Exception {
        imds = new FakeImds();
        AtomicInteger calls = new AtomicInteger();
        watcher = new SpotInterruptionWatcher(settings(imds.base()), calls::incrementAndGet);
        watcher.start();
        awaitTrue(() -> imds.actionGets.get() >= 1, Duration.ofSeconds(5));
        watcher.close();
        Thread.sleep(INTERVAL.toMillis() * 2); // let a poll in progress finish
        int gets = imds.actionGets.get();
        imds.noticeBody.set(NOTICE_BODY);
        Thread.sleep(INTERVAL.toMillis() * 4);
        assertThat(imds.actionGets.get()).isEqualTo(gets);
        assertThat(calls).hasValue(0);
        assertThat(watcher.isRunning()).isFalse();
        assertThat(watcher.start()).isFalse();
    }

    @Test
    void settingsAreChecked() {
        SpotWatcherSettings d = SpotWatcherSettings.defaults();
        assertThatThrownBy(() -> d.withInterval(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> d.withRequestTimeout(Duration.ofMillis(-1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> d.withTokenTtl(Duration.ofHours(7))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> d.withBaseUrl(URI.create("/relative"))).isInstanceOf(IllegalArgumentException.class);
    }

    private static void awaitTrue(BooleanSupplier condition, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met within " + timeout);
            }
            Thread.sleep(10);
        }
    }

    /** IMDSv2 as far as the watcher uses it: token PUT with TTL, instance-action GET with token. */
    private static final class FakeImds implements AutoCloseable {
        final HttpServer server;
        final ExecutorService pool = Executors.newCachedThreadPool();
        final AtomicInteger tokenPuts = new AtomicInteger();
        final AtomicInteger tokenAttempts = new AtomicInteger();
        final AtomicInteger actionGets = new AtomicInteger();
        final AtomicInteger badTokenGets = new AtomicInteger();
        final AtomicInteger goodGetsSinceRevoke = new AtomicInteger();
        final List<String> ttlHeaders = new CopyOnWriteArrayList<>();
        final AtomicReference<String> noticeBody = new AtomicReference<>();
        final AtomicInteger actionStatus = new AtomicInteger(); // 0 = normal behaviour
        final AtomicInteger tokenStatus = new AtomicInteger();
        final AtomicInteger hangMillis = new AtomicInteger();
        /** token -> expiry (epoch ms); a token missing here is unknown or revoked. */
        final java.util.Map<String, Long> tokens = new java.util.concurrent.ConcurrentHashMap<>();
        volatile boolean enforceTtl;
        volatile boolean revoked;

        FakeImds() throws IOException {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
            server.setExecutor(pool);
            server.createContext(SpotInterruptionWatcher.TOKEN_PATH, this::token);
            server.createContext(SpotInterruptionWatcher.INSTANCE_ACTION_PATH, this::instanceAction);
            server.start();
        }

        URI base() {
            return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
        }

        void revokeAllTokens() {
            tokens.clear();
            revoked = true;
        }

        private void hang() {
            int ms = hangMillis.get();
            if (ms > 0) {
                try {
                    Thread.sleep(ms);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }

        private void token(HttpExchange ex) throws IOException {
            try (ex) {
                tokenAttempts.incrementAndGet();
                hang();
                if (!"PUT".equals(ex.getRequestMethod())) {
                    send(ex, 405, "");
                    return;
                }
                String ttl = ex.getRequestHeaders().getFirst(SpotInterruptionWatcher.TOKEN_TTL_HEADER);
                if (ttl == null) {
                    send(ex, 400, "");
                    return;
                }
                ttlHeaders.add(ttl);
                if (tokenStatus.get() != 0) {
                    send(ex, tokenStatus.get(), "");
                    return;
                }
                String tok = "token-" + tokenPuts.incrementAndGet();
                tokens.put(tok, System.currentTimeMillis() + Long.parseLong(ttl) * 1000);
                send(ex, 200, tok);
            }
        }

        private void instanceAction(HttpExchange ex) throws IOException {
            try (ex) {
                hang();
                actionGets.incrementAndGet();
                String tok = ex.getRequestHeaders().getFirst(SpotInterruptionWatcher.TOKEN_HEADER);
                Long expiry = tok == null ? null : tokens.get(tok);
                if (expiry == null || (enforceTtl && System.currentTimeMillis() > expiry)) {
                    badTokenGets.incrementAndGet();
                    send(ex, 401, "");
                    return;
                }
                if (revoked) {
                    goodGetsSinceRevoke.incrementAndGet();
                }
                if (actionStatus.get() != 0) {
                    send(ex, actionStatus.get(), "");
                    return;
                }
                String body = noticeBody.get();
                if (body == null) {
                    send(ex, 404, "<?xml version=\"1.0\"?><title>404 - Not Found</title>");
                } else {
                    send(ex, 200, body);
                }
            }
        }

        private static void send(HttpExchange ex, int status, String body) throws IOException {
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
            if (bytes.length > 0) {
                ex.getResponseBody().write(bytes);
            }
        }

        @Override
        public void close() {
            server.stop(0);
            pool.shutdownNow();
        }
    }
}
