package dev.step1x.worker.config;

import dev.step1x.worker.pipeline.InputInspector;
import java.time.Duration;
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
    /** Most scans of a JPEG input (progressive files have about 10; each scan is a pass over the image). */
    private int maxJpegScans = 100;
    /** Wall time one input may take to decode; past it the decoder is aborted and the input refused. */
    private Duration decodeTimeBudget = Duration.ofSeconds(10);

    public long getMaxInputBytes() { return maxInputBytes; }
    public void setMaxInputBytes(long maxInputBytes) { this.maxInputBytes = maxInputBytes; }
    public long getMaxPixels() { return maxPixels; }
    public void setMaxPixels(long maxPixels) { this.maxPixels = maxPixels; }
    public List<String> getAllowedFormats() { return allowedFormats; }
    public void setAllowedFormats(List<String> allowedFormats) { this.allowedFormats = allowedFormats; }
    public int getMaxJpegScans() { return maxJpegScans; }
    public void setMaxJpegScans(int maxJpegScans) { this.maxJpegScans = maxJpegScans; }
    public Duration getDecodeTimeBudget() { return decodeTimeBudget; }
    public void setDecodeTimeBudget(Duration decodeTimeBudget) { this.decodeTimeBudget = decodeTimeBudget; }

    public InputInspector.Settings toInspectorSettings() {
        return new InputInspector.Settings(maxPixels, List.copyOf(allowedFormats), maxJpegScans,
                decodeTimeBudget);
    }
}
