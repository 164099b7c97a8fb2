package dev.step1x.engine.lora;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Unmerged LoRA adapters resident on the device, by name, least recently used first out, within a byte cap (the
 * memory planner reserves the cap). Names map to files ({@link #register}); {@link #acquire} loads a registered
 * adapter on first use, evicting the least recently used unpinned ones while the cap would be exceeded. The
 * adapters of the batch being computed are pinned ({@link #pin}) and never evicted; if they alone exceed the cap,
 * the cap is exceeded for that batch rather than failing it.
 *
 * <p>Not thread-safe for loading: the engine thread that owns the DiT calls {@link #acquire}, {@link #pin} and
 * {@link #evict}; {@link #register} and the byte figures may be called from anywhere.
 */
public final class AdapterCache implements AutoCloseable {

    private final NDManager manager;
    private final LoraTargets targets;
    private final DataType type;
    private final long capBytes;
    private final Map<String, Path> files = new ConcurrentHashMap<>();
    /** Access order: least recently used first. */
    private final LinkedHashMap<String, LoraAdapter> resident = new LinkedHashMap<>(16, 0.75f, true);
    private final Map<String, Integer> pins = new LinkedHashMap<>();
    private volatile long residentBytes;

    /**
     * @param manager where adapters are loaded (each on its own sub-manager)
     * @param targets the DiT's LoRA targets (adapters are checked against them)
     * @param type the DiT's compute type
     * @param capBytes the most device bytes the resident adapters may take (0: per-request adapters disabled)
     */
    public AdapterCache(NDManager manager, LoraTargets targets, DataType type, long capBytes) {
        if (capBytes < 0) {
            throw new IllegalArgumentException("adapter cache cap must be >= 0, got " + capBytes);
        }
        this.manager = manager;
        this.targets = targets;
        this.type = type;
        this.capBytes = capBytes;
    }

    /** Makes {@code name} refer to {@code file} (a re-registration with another file evicts the old one). */
    public void register(String name, Path file) {
        Path before = files.put(name, file);
        if (before != null && !before.equals(file)) {
            evict(name);
        }
    }

    public Set<String> registered() {
        return Set.copyOf(files.keySet());
    }

    /** Loads {@code file} now under {@code name} (registering it), evicting as needed; returns the adapter. */
    public synchronized LoraAdapter load(String name, Path file) throws IOException {
        register(name, file);
        return acquire(name);
    }

    /**
     * The adapter {@code name}, loading it if it is not resident (an error for names never registered, with the
     * known names). Marks it most recently used.
     */
    public synchronized LoraAdapter acquire(String name) throws IOException {
        LoraAdapter a = resident.get(name);
        if (a != null) {
            return a;
        }
        if (capBytes == 0) {
            throw new IllegalStateException("per-request LoRA adapters are disabled (adapter cache cap 0); adapter '"
                    + name + "' cannot be used");
        }
        Path file = files.get(name);
        if (file == null) {
            throw new IllegalArgumentException("unknown LoRA adapter '" + name + "' (registered: "
                    + new java.util.TreeSet<>(files.keySet()) + ")");
        }
        a = LoraAdapter.load(manager, name, file, targets, type);
        resident.put(name, a);
        residentBytes += a.bytes();
        shrinkTo(capBytes, name);
        return a;
    }

    /**
     * Makes an adapter built by {@code factory} (on the cache's manager) resident under {@code name}, without a file:
     * for benchmarks with random adapters. Evicting it drops it for good.
     */
    public synchronized LoraAdapter add(String name, java.util.function.Function<NDManager, LoraAdapter> factory) {
        evict(name);
        LoraAdapter a = factory.apply(manager);
        resident.put(name, a);
        residentBytes += a.bytes();
        shrinkTo(capBytes, name);
        return a;
    }

    /** The targets adapters are checked against (for {@link #add} factories). */
    public LoraTargets targets() {
        return targets;
    }

    /** The type adapters are held in. */
    public DataType dataType() {
        return type;
    }

    /** Pins the adapters of a batch (they survive eviction until {@link #unpin}). */
    public synchronized void pin(Collection<String> names) {
        for (String n : names) {
            pins.merge(n, 1, Integer::sum);
        }
    }

    public synchronized void unpin(Collection<String> names) {
        for (String n : names) {
            pins.computeIfPresent(n, (k, v) -> v <= 1 ? null : v - 1);
        }
        shrinkTo(capBytes, null);
    }

    /** Frees {@code name}'s device memory now unless it is pinned; true if it was resident and is gone. */
    public synchronized boolean evict(String name) {
        if (pins.containsKey(name)) {
            return false;
        }
        LoraAdapter a = resident.remove(name);
        if (a == null) {
            return false;
        }
        residentBytes -= a.bytes();
        a.close();
        return true;
    }

    /** Evicts least recently used unpinned adapters (never {@code keep}) until the cap holds or none is left. */
    private void shrinkTo(long cap, String keep) {
        List<String> order = new ArrayList<>(resident.keySet());
        for (String n : order) {
            if (residentBytes <= cap) {
                break;
            }
            if (!pins.containsKey(n) && !n.equals(keep)) {
                evict(n);
            }
        }
    }

    public synchronized boolean isResident(String name) {
        return resident.containsKey(name);
    }

    /** Names resident now, least recently used first. */
    public synchronized List<String> residentNames() {
        return new ArrayList<>(resident.keySet());
    }

    /** Device bytes of the resident adapters (for the memory planner and metrics). */
    public long residentBytes() {
        return residentBytes;
    }

    /** The cap the planner reserves. */
    public long capBytes() {
        return capBytes;
    }

    /** Bytes an adapter of {@code rank} on every target takes in {@code type}: {@code rank · (in + out)} per layer. */
    public static long bytesForRank(LoraTargets targets, long rank, DataType type) {
        long n = 0;
        for (LoraTargets.Target t : targets.byName().values()) {
            n += rank * (t.in() + t.out());
        }
        return n * type.getNumOfBytes();
    }

    @Override
    public synchronized void close() {
        resident.values().forEach(LoraAdapter::close);
        resident.clear();
        residentBytes = 0;
    }
}
