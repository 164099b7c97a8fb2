package dev.step1x.worker.config;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.util.unit.DataSize;

/**
 * Per-request LoRA adapters ({@code worker.lora.*}): the catalog a request's {@code params.adapter.name} is looked
 * up in, where S3 adapters are downloaded, and the device memory they may hold.
 */
public class LoraProperties {
    /** NAME=s3://bucket/key or a file path; only these names are accepted from requests. */
    private Map<String, String> catalog = new LinkedHashMap<>();
    /** Where adapters from S3 are written at start-up (default: a folder in the temporary directory). */
    private Path downloadDir = Path.of(System.getProperty("java.io.tmpdir"), "step1x-adapters");
    /**
     * Device memory for adapters (least recently used ones are evicted; the memory planner reserves it). Only with
     * a non-empty catalog; a rank-16 adapter on every layer of the full DiT takes about 80 MB in float16.
     */
    private DataSize cacheSize = DataSize.ofGigabytes(1);

    public Map<String, String> getCatalog() { return catalog; }
    public void setCatalog(Map<String, String> catalog) { this.catalog = catalog; }
    public Path getDownloadDir() { return downloadDir; }
    public void setDownloadDir(Path downloadDir) { this.downloadDir = downloadDir; }
    public DataSize getCacheSize() { return cacheSize; }
    public void setCacheSize(DataSize cacheSize) { this.cacheSize = cacheSize; }

    /** The device bytes the engine reserves: none without a catalog. */
    public long deviceBytes() {
        return catalog == null || catalog.isEmpty() ? 0 : cacheSize.toBytes();
    }
}
