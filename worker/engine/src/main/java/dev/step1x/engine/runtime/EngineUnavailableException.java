package dev.step1x.engine.runtime;

/** The PyTorch engine or the requested device cannot be used; the message says what is missing. */
public class EngineUnavailableException extends RuntimeException {
    public EngineUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }

    public EngineUnavailableException(String message) {
        super(message);
    }
}
