package dev.step1x.worker.config;

import dev.step1x.worker.pipeline.Finisher;

/** How outputs are written (the finisher). */
public class OutputProperties {
    /**
     * zlib level of PNG outputs, 0 to 9. 1 (the default) is the fastest level that compresses; 0 stores the rows:
     * about a quarter of the encoding CPU for about five times the bytes in S3 (docs/performance.md).
     */
    private int pngLevel = 1;

    public int getPngLevel() { return pngLevel; }
    public void setPngLevel(int pngLevel) { this.pngLevel = pngLevel; }

    Finisher.Settings toFinisherSettings(int threads) {
        return new Finisher.Settings(threads, pngLevel);
    }
}
