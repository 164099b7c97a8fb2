package dev.step1x.worker.config;

import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.boot.context.properties.source.ConfigurationPropertySource;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.context.properties.source.IterableConfigurationPropertySource;
import org.springframework.core.env.Environment;

/**
 * Settings that moved: the S3 retry, circuit breaker and bulkhead are configured with Resilience4j's own
 * properties now, and the worst batch time became the batch time budget (which the batcher enforces). A deployment
 * that still sets the old keys would otherwise run on the defaults without a word, so the worker refuses to start
 * and names the new keys.
 */
final class RenamedSettings {

    private static final Map<String, String> MOVED = Map.of(
            "worker.storage.retry", "resilience4j.retry.instances.s3.* (max-attempts, wait-duration, "
                    + "exponential-backoff-multiplier, randomized-wait-factor)",
            "worker.storage.circuit-breaker", "resilience4j.circuitbreaker.configs.s3.* (failure-rate-threshold, "
                    + "sliding-window-size, minimum-number-of-calls, wait-duration-in-open-state, "
                    + "permitted-number-of-calls-in-half-open-state); one breaker per bucket is made from it",
            "worker.storage.bulkhead", "resilience4j.bulkhead.instances.s3.* (max-concurrent-calls, max-wait-duration)",
            "worker.kafka.worst-batch-time", "worker.batching.batch-time-budget (now enforced: batches are sized to fit "
                    + "it, and max.poll.interval.ms and the drain grace are derived from it)");

    private RenamedSettings() {}

    static void check(Environment env) {
        TreeSet<String> found = new TreeSet<>();
        for (ConfigurationPropertySource source : ConfigurationPropertySources.get(env)) {
            if (source instanceof IterableConfigurationPropertySource it) {
                it.stream().forEach(name -> MOVED.keySet().stream()
                        .filter(old -> ConfigurationPropertyName.of(old).isAncestorOf(name))
                        .forEach(old -> found.add(name + " -> " + MOVED.get(old))));
            }
        }
        if (!found.isEmpty()) {
            throw new IllegalStateException("settings moved (docs/worker-configuration.md); set these instead: "
                    + String.join("; ", List.copyOf(found)));
        }
    }
}
