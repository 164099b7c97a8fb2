package dev.step1x.worker.spot;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The two IMDSv2 calls the {@link SpotInterruptionWatcher} makes: a session token (cached, renewed before its TTL
 * runs out) and the spot instance-action document. Used by the polling thread only.
 */
final class MetadataClient {

    private static final Pattern ACTION = Pattern.compile("\"action\"\\s*:\\s*\"([^\"]*)\"");
    private static final Pattern TIME = Pattern.compile("\"time\"\\s*:\\s*\"([^\"]*)\"");
    private static final int MAX_BODY_CHARS = 4096;

    /** A token request's outcome: the token, or null with the HTTP status that refused it. */
    record TokenAnswer(String value, int status) {}

    private record Token(String value, Instant renewAfter) {}

    private final SpotWatcherSettings settings;
    private final HttpClient http;
    private final Clock clock;
    private Token token;

    MetadataClient(SpotWatcherSettings settings, HttpClient http, Clock clock) {
        this.settings = settings;
        this.http = http;
        this.clock = clock;
    }

    /** The cached token, or a new one when none is cached or it is due for renewal. */
    TokenAnswer token() throws IOException, InterruptedException {
        Instant now = clock.instant();
        Token t = token;
        if (t != null && now.isBefore(t.renewAfter())) {
            return new TokenAnswer(t.value(), 200);
        }
        long ttlSeconds = Math.max(1, settings.tokenTtl().toSeconds());
        HttpRequest request = HttpRequest.newBuilder(settings.baseUrl().resolve(SpotInterruptionWatcher.TOKEN_PATH))
                .timeout(settings.requestTimeout())
                .header(SpotInterruptionWatcher.TOKEN_TTL_HEADER, Long.toString(ttlSeconds))
                .PUT(HttpRequest.BodyPublishers.noBody())
                .build();
        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
        String body = response.body() == null ? "" : response.body().strip();
        if (response.statusCode() != 200 || body.isEmpty()) {
            token = null;
            return new TokenAnswer(null, response.statusCode());
        }
        // Renew a minute before expiry (half-way for very short TTLs), so a poll never uses a dying token.
        long marginSeconds = ttlSeconds > 120 ? 60 : Math.max(0, ttlSeconds / 2);
        token = new Token(body, now.plusSeconds(ttlSeconds - marginSeconds));
        return new TokenAnswer(body, 200);
    }

    /** The token expired or was revoked: the next {@link #token()} asks for a new one. */
    void forgetToken() {
        token = null;
    }

    HttpResponse<String> instanceAction(String tok) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(
                        settings.baseUrl().resolve(SpotInterruptionWatcher.INSTANCE_ACTION_PATH))
                .timeout(settings.requestTimeout())
                .header(SpotInterruptionWatcher.TOKEN_HEADER, tok)
                .GET()
                .build();
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }

    /** The notice in an instance-action body ({@code {"action": "...", "time": "..."}}), read leniently. */
    static SpotInterruptionWatcher.Notice parse(String rawBody, Instant noticedAt) {
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
        return new SpotInterruptionWatcher.Notice(action, time, body, noticedAt);
    }
}
