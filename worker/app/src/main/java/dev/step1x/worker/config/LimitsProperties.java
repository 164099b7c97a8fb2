package dev.step1x.worker.config;

import dev.step1x.worker.pipeline.InputInspector;
import java.util.ArrayList;
import java.util.List;

/** Checks on the input before it is decoded. */
public class LimitsProperties {
    /** Largest input object in bytes (checked from Content-Length, then while reading). */
    private long maxInputBytes = 32L * 1024 * 1024;
    /** Largest width x height, read from the image header before decoding (default 4096²). */
    private long maxPixels = 4096L * 4096;
    /** Accepted input formats: png, jpeg, webp (the request contract promises all three). */
    private List<String> allowedFormats = new ArrayList<>(List.of("png", "jpeg", "webp"));

    public long getMaxInputBytes() { return maxInputBytes; }
    public void setMaxInputBytes(long maxInputBytes) { this.maxInputBytes = maxInputBytes; }
    public long getMaxPixels() { return maxPixels; }
    public void setMaxPixels(long maxPixels) { this.maxPixels = maxPixels; }
    public List<String> getAllowedFormats() { return allowedFormats; }
    public void setAllowedFormats(List<String> allowedFormats) { this.allowedFormats = allowedFormats; }

    public InputInspector.Settings toInspectorSettings() {
        return new InputInspector.Settings(maxPixels, List.copyOf(allowedFormats));
    }
}
