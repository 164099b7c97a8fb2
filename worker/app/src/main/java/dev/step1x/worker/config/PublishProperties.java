package dev.step1x.worker.config;

import dev.step1x.worker.publish.PublishBackoff;
import java.time.Duration;

/** Publishing results and dead letters: the backoff between retries of a send that failed retriably. */
public class PublishProperties {
    /** The first retry waits up to this long (full jitter: a random time between 0 and the bound). */
    private Duration retryBackoffInitial = Duration.ofMillis(100);
    /** The bound doubles per retry up to this cap; retries go on until shutdown. */
    private Duration retryBackoffMax = Duration.ofSeconds(10);

    public Duration getRetryBackoffInitial() { return retryBackoffInitial; }
    public void setRetryBackoffInitial(Duration retryBackoffInitial) { this.retryBackoffInitial = retryBackoffInitial; }
    public Duration getRetryBackoffMax() { return retryBackoffMax; }
    public void setRetryBackoffMax(Duration retryBackoffMax) { this.retryBackoffMax = retryBackoffMax; }

    PublishBackoff toBackoff() {
        return new PublishBackoff(retryBackoffInitial, retryBackoffMax);
    }
}
