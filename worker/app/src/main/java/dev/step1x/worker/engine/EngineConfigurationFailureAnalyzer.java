package dev.step1x.worker.engine;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Reports an {@link EngineConfigurationException} as Spring Boot's start-up failure report (Description /
 * Action) instead of a stack trace. Registered in META-INF/spring.factories.
 */
public final class EngineConfigurationFailureAnalyzer extends AbstractFailureAnalyzer<EngineConfigurationException> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, EngineConfigurationException cause) {
        return new FailureAnalysis(cause.getMessage(), cause.action(), cause);
    }
}
