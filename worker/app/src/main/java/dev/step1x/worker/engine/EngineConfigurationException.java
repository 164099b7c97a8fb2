package dev.step1x.worker.engine;

/**
 * The engine settings ({@code worker.engine.*}) cannot work: the worker refuses to start. The message names
 * the property and what is wrong with it (its first line is the whole story for a missing setting; a model
 * directory that does not open adds its list of problems); {@link #action()} says what to set.
 * {@link EngineConfigurationFailureAnalyzer} turns it into Spring Boot's "APPLICATION FAILED TO START" report.
 */
public final class EngineConfigurationException extends RuntimeException {

    private final String action;

    public EngineConfigurationException(String message, String action) {
        this(message, action, null);
    }

    public EngineConfigurationException(String message, String action, Throwable cause) {
        super(message, cause);
        this.action = action;
    }

    /** What to change so the worker starts. */
    public String action() {
        return action;
    }
}
