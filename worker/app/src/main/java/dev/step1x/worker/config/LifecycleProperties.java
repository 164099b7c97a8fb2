package dev.step1x.worker.config;

import dev.step1x.worker.spot.SpotWatcherSettings;
import java.net.URI;
import java.time.Duration;

/** Shutdown and health. */
public class LifecycleProperties {
    /**
     * On SIGTERM: how long the in-flight batch may take to finish, publish and commit (0: the batch time budget +
     * 20 s to upload and publish).
     */
    private Duration drainGrace = Duration.ZERO;
    /**
     * Liveness fails when the inference loop finished no denoising step (nor polled for work) for this long (0:
     * derived from the per-step time: 10 x one step of a full batch of 1024² rows at the learned rate, at least 60 s).
     */
    private Duration livenessStallTimeout = Duration.ZERO;
    /** Results remembered per requestId so a duplicate delivery gets the identical result. */
    private int resultCacheSize = 10_000;
    /** The EC2 spot interruption notice: when it appears the worker drains exactly as on SIGTERM. */
    private final SpotWatcher spotWatcher = new SpotWatcher();

    public SpotWatcher getSpotWatcher() { return spotWatcher; }

    public Duration getDrainGrace() { return drainGrace; }
    public void setDrainGrace(Duration drainGrace) { this.drainGrace = drainGrace; }
    public Duration getLivenessStallTimeout() { return livenessStallTimeout; }
    public void setLivenessStallTimeout(Duration v) { this.livenessStallTimeout = v; }
    public int getResultCacheSize() { return resultCacheSize; }
    public void setResultCacheSize(int resultCacheSize) { this.resultCacheSize = resultCacheSize; }

    /** Watching the instance metadata for a spot interruption notice (off by default; on in the chart for spot nodes). */
    public static class SpotWatcher {
        private boolean enabled = false;
        private Duration interval = Duration.ofSeconds(5);
        private URI baseUrl = URI.create("http://169.254.169.254");
        private Duration requestTimeout = Duration.ofSeconds(2);

        public boolean isEnabled() { return enabled; }
        public void setEnabled(boolean enabled) { this.enabled = enabled; }
        public Duration getInterval() { return interval; }
        public void setInterval(Duration interval) { this.interval = interval; }
        public URI getBaseUrl() { return baseUrl; }
        public void setBaseUrl(URI baseUrl) { this.baseUrl = baseUrl; }
        public Duration getRequestTimeout() { return requestTimeout; }
        public void setRequestTimeout(Duration requestTimeout) { this.requestTimeout = requestTimeout; }

        SpotWatcherSettings toSettings() {
            return SpotWatcherSettings.defaults().withEnabled(enabled).withBaseUrl(baseUrl)
                    .withInterval(interval).withRequestTimeout(requestTimeout);
        }
    }
}
