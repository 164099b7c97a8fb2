package dev.step1x.engine.weights;

import java.io.IOException;

/** A safetensors file whose header or layout is invalid. The message names the file and the problem. */
public class SafetensorsFormatException extends IOException {
    public SafetensorsFormatException(String message) {
        super(message);
    }

    public SafetensorsFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
