package dev.step1x.worker.spot;

import java.net.URI;
import java.time.Duration;
import java.util.Objects;

/**
 * How the watcher polls.
 *
 * @param enabled        off by default; {@link SpotInterruptionWatcher#start()} does nothing while false
 * @param baseUrl        scheme, host and port of the metadata service (tests point it at a fake)
 * @param interval       time between two polls (AWS recommends 5 s; the notice comes 2 min ahead)
 * @param requestTimeout connect and response timeout of one request
 * @param tokenTtl       lifetime asked for each IMDSv2 token (1 s to 6 h)
 */
public record SpotWatcherSettings(boolean enabled, URI baseUrl, Duration interval, Duration requestTimeout,
        Duration tokenTtl) {

    public SpotWatcherSettings {
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
    public static SpotWatcherSettings defaults() {
        return new SpotWatcherSettings(false, SpotInterruptionWatcher.DEFAULT_BASE_URL, Duration.ofSeconds(5), Duration.ofSeconds(2),
                Duration.ofHours(6));
    }

    public SpotWatcherSettings withEnabled(boolean value) {
        return new SpotWatcherSettings(value, baseUrl, interval, requestTimeout, tokenTtl);
    }

    public SpotWatcherSettings withBaseUrl(URI value) {
        return new SpotWatcherSettings(enabled, value, interval, requestTimeout, tokenTtl);
    }

    public SpotWatcherSettings withInterval(Duration value) {
        return new SpotWatcherSettings(enabled, baseUrl, value, requestTimeout, tokenTtl);
    }

    public SpotWatcherSettings withRequestTimeout(Duration value) {
        return new SpotWatcherSettings(enabled, baseUrl, interval, value, tokenTtl);
    }

    public SpotWatcherSettings withTokenTtl(Duration value) {
        return new SpotWatcherSettings(enabled, baseUrl, interval, requestTimeout, value);
    }
}
