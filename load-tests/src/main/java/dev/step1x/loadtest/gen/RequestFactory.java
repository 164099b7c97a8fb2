package dev.step1x.loadtest.gen;

import dev.step1x.contracts.ContractJson;
import dev.step1x.contracts.EditParams;
import dev.step1x.contracts.EditRequest;
import dev.step1x.contracts.Headers;
import dev.step1x.contracts.ImageFormat;
import dev.step1x.contracts.OutputSpec;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Draws requests from a {@link Profile}, deterministically from a seed: request i of a run is always the
 * same. Ids are {@code <runId>-<seq>}; outputs go to {@code <outputBucket>/<runId>/}. Thread-safe.
 */
public final class RequestFactory {

    /** An input bucket that exists nowhere on the worker's allow-list. */
    public static final String FORBIDDEN_BUCKET = "lt-not-allowed";

    private final Profile profile;
    private final String runId;
    private final String outputBucket;
    private final InputCatalog inputs;
    private final SplittableRandom random;
    private int seq;
    private List<String> adapters = List.of();
    private double adapterShare;
    private int adapterTurn;

    public RequestFactory(Profile profile, String runId, String outputBucket, InputCatalog inputs, long seed) {
        this.profile = profile;
        this.runId = runId;
        this.outputBucket = outputBucket;
        this.inputs = inputs;
        this.random = new SplittableRandom(seed);
    }

    /**
     * From now on a share of the good requests names an adapter of {@code names} (in turn, scale 0.8), so batches
     * mix requests with different adapters and none.
     */
    public synchronized RequestFactory withAdapters(List<String> names, double share) {
        if (share < 0 || share > 1 || (share > 0 && names.isEmpty())) {
            throw new IllegalArgumentException("adapter share " + share + " of " + names);
        }
        this.adapters = List.copyOf(names);
        this.adapterShare = share;
        return this;
    }

    /** The key prefix of this run's outputs. */
    public String outputPrefix() {
        return runId + "/";
    }

    public String runId() {
        return runId;
    }

    public Profile profile() {
        return profile;
    }

    /** The next request of the mix. */
    public synchronized PlannedRequest next() {
        String id = "%s-%06d".formatted(runId, seq++);
        if (random.nextDouble() < profile.badShare()) {
            return bad(id, pick(profile.badKinds()));
        }
        return good(id, null);
    }

    /** The next request, forced good. */
    public synchronized PlannedRequest nextGood() {
        return good("%s-%06d".formatted(runId, seq++), null);
    }

    /** The next request, forced good, with a deadline (it must still be answered SUCCEEDED). */
    public synchronized PlannedRequest nextGood(Instant deadline) {
        return good("%s-%06d".formatted(runId, seq++), deadline);
    }

    /** The next request, forced to be of the given bad kind. */
    public synchronized PlannedRequest nextBad(BadKind kind) {
        return bad("%s-%06d".formatted(runId, seq++), kind);
    }

    private PlannedRequest good(String id, Instant deadline) {
        int size = pick(profile.sizeLevels());
        Aspect aspect = pick(profile.aspects());
        int steps = pick(profile.steps());
        double guidance = pick(profile.guidance());
        TaskType task = pick(profile.tasks());
        TaskType.Language lang = random.nextDouble() < profile.chineseShare() ? TaskType.Language.CN : TaskType.Language.EN;
        List<String> texts = task.instructions(lang);
        String instruction = texts.get(random.nextInt(texts.size()));
        boolean jpeg = random.nextDouble() < profile.jpegOutputShare();
        InputCatalog.Input in = inputs.forAspect(aspect);
        // drawn only when adapters are on, so the stream of a run without them stays what it always was
        EditParams.Adapter adapter = adapterShare > 0 && random.nextDouble() < adapterShare
                ? new EditParams.Adapter(adapters.get(adapterTurn++ % adapters.size()), 0.8) : null;
        EditRequest r = new EditRequest(EditRequest.SCHEMA_VERSION, id, null, EditRequest.Input.of(in.bucket(), in.key()),
                instruction, null, new EditParams(size, steps, guidance, null, null, adapter),
                new OutputSpec(outputBucket, outputPrefix(), jpeg ? ImageFormat.JPEG : ImageFormat.PNG, null), deadline, null,
                metadata(task.key(), lang.name().toLowerCase(java.util.Locale.ROOT)));
        return new PlannedRequest(id, ContractJson.toBytes(r), headers(id), Expectation.succeeded(in.width(), in.height()),
                task, lang, size, aspect, steps, null);
    }

    private PlannedRequest bad(String id, BadKind kind) {
        byte[] value = switch (kind) {
            case INVALID_SCHEMA -> ContractJson.toBytes(request(id, inputs.forAspect(firstAspect()), 500, null));
            case UNPARSEABLE -> ("{\"requestId\":\"" + id + "\", this is not JSON").getBytes(StandardCharsets.UTF_8);
            case MISSING_INPUT -> ContractJson.toBytes(request(id,
                    new InputCatalog.Input(inputs.bucket(), outputPrefix() + "missing/" + id + ".png", 0, 0, 0), 28, null));
            case CORRUPT_IMAGE -> ContractJson.toBytes(request(id, inputs.corrupt(), 28, null));
            case PIXEL_BOMB -> ContractJson.toBytes(request(id, inputs.bomb(), 28, null));
            case BUCKET_NOT_ALLOWED -> ContractJson.toBytes(request(id,
                    new InputCatalog.Input(FORBIDDEN_BUCKET, "in/anything.png", 0, 0, 0), 28, null));
            case EXPIRED -> ContractJson.toBytes(request(id, inputs.forAspect(firstAspect()), 28,
                    Instant.now().minusSeconds(3600)));
        };
        return new PlannedRequest(id, value, headers(id), Expectation.of(kind), null, null, 0, null, 0, kind);
    }

    private EditRequest request(String id, InputCatalog.Input in, int steps, Instant deadline) {
        return new EditRequest(EditRequest.SCHEMA_VERSION, id, null, EditRequest.Input.of(in.bucket(), in.key()),
                "Make the sky purple", null, new EditParams(512, steps, null, null, null),
                new OutputSpec(outputBucket, outputPrefix(), null, null), deadline, null, metadata("bad", "en"));
    }

    private Aspect firstAspect() {
        return profile.aspects().keySet().iterator().next();
    }

    private Map<String, String> metadata(String task, String lang) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("loadRun", runId);
        m.put("task", task);
        m.put("lang", lang);
        return m;
    }

    private static Map<String, String> headers(String id) {
        Map<String, String> h = new LinkedHashMap<>();
        h.put(Headers.REQUEST_ID, id);
        h.put(Headers.SCHEMA_VERSION, "1");
        h.put(Headers.CONTENT_TYPE, Headers.JSON_CONTENT_TYPE);
        return h;
    }

    private <K> K pick(Map<K, Double> weights) {
        double total = 0;
        for (double w : weights.values()) {
            total += w;
        }
        double x = random.nextDouble() * total;
        K last = null;
        for (Map.Entry<K, Double> e : weights.entrySet()) {
            last = e.getKey();
            x -= e.getValue();
            if (x < 0) {
                return e.getKey();
            }
        }
        return last;
    }
}
