package dev.step1x.worker.config;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;

class RenamedSettingsTest {

    static StandardEnvironment env(Map<String, Object> properties, Map<String, Object> variables) {
        StandardEnvironment env = new StandardEnvironment();
        env.getPropertySources().addFirst(new MapPropertySource("test", properties));
        // as the pod's environment variables: Spring maps them to property names only under this source name
        env.getPropertySources().replace(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
                new SystemEnvironmentPropertySource(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME, variables));
        return env;
    }

    @Test
    void theOldResilienceKeysStopTheStartAndNameTheNewOnes() {
        assertThatThrownBy(() -> RenamedSettings.check(env(Map.of("worker.storage.retry.max-attempts", "5"), Map.of())))
                .hasMessageContaining("worker.storage.retry.max-attempts -> resilience4j.retry.instances.s3.*");
        assertThatThrownBy(() -> RenamedSettings.check(env(Map.of(),
                Map.of("WORKER_STORAGE_CIRCUITBREAKER_WAITINOPENSTATE", "9s"))))
                .hasMessageContaining("resilience4j.circuitbreaker.configs.s3.*");
    }

    @Test
    void theCurrentKeysPass() {
        assertThatCode(() -> RenamedSettings.check(env(Map.of("worker.storage.outage.retry-delay", "1s",
                "resilience4j.retry.instances.s3.max-attempts", "3"), Map.of()))).doesNotThrowAnyException();
    }
}
