package dev.step1x.engine.pipeline;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.step1x.engine.ModelVersion;
import dev.step1x.engine.Tap;
import dev.step1x.engine.conditioner.MllmEncoder;
import dev.step1x.engine.dit.DitOptions;
import dev.step1x.engine.dit.EmbedND;
import dev.step1x.engine.dit.Step1XEdit;
import dev.step1x.engine.image.OutputImages;
import dev.step1x.engine.image.RgbImage;
import dev.step1x.engine.image.Step1XResize;
import dev.step1x.engine.lora.AdapterCache;
import dev.step1x.engine.lora.RowAdapters;
import dev.step1x.engine.nn.Scoped;
import dev.step1x.engine.runtime.EngineRuntime;
import dev.step1x.engine.runtime.LiveTensors;
import dev.step1x.engine.runtime.ProcessMemory;
import dev.step1x.engine.sampler.Denoiser;
import dev.step1x.engine.sampler.Packing;
import dev.step1x.engine.sampler.Sampling;
import dev.step1x.engine.vae.AutoEncoder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * The whole edit, batched by {@link BucketKey}, in the numbered stages of the official inference script
 * (docs/model.md, "One edit, stage by stage"). N requests of one bucket run as one DiT batch of 2N rows: rows [0, N) the
 * instructions, rows [N, 2N) the negative prompts, each with its own guidance and seed, so output i
 * equals request i run alone. Outputs are pixels at the bucket's size: bringing them back to the input's size and
 * encoding them is CPU work for the caller's threads ({@link EditOutput#finish}), not for the one that owns the device.
 *
 * <p>Not thread-safe: one thread owns an engine (and its device). Everything a batch allocates lives in a
 * per-batch NDManager that is closed when the batch returns.
 */
public final class Step1XEditPipeline implements EditEngine {

    private final EngineRuntime runtime;
    private final ModelDirectory model;
    private final NDManager models;
    private final AutoEncoder ae;
    private final Map<ModelVersion, Step1XEdit> dits = new EnumMap<>(ModelVersion.class);
    private final MllmEncoder mllm;
    private final ModuleSource modules;
    private final Map<ModelVersion, MemoryPlanner> planners = new java.util.concurrent.ConcurrentHashMap<>();
    private final DitOptions ditOptions;
    private final AdapterCache adapters;
    private final long memoryBudgetBytes;

    /** @param model the configs (and, for checkpoint sources, the files) of the modules {@code modules} builds */
    Step1XEditPipeline(EngineRuntime runtime, ModelDirectory model, ModuleSource modules) throws IOException {
        this(runtime, model, modules, DitOptions.defaults());
    }

    /** @param ditOptions how {@code modules} holds the DiT (for the planner and the adapter cache) */
    Step1XEditPipeline(EngineRuntime runtime, ModelDirectory model, ModuleSource modules, DitOptions ditOptions)
            throws IOException {
        this.runtime = runtime;
        this.model = model;
        this.modules = modules;
        this.ditOptions = ditOptions;
        this.models = runtime.newManager();
        this.memoryBudgetBytes = deviceMemoryBytes(runtime);
        this.adapters = new AdapterCache(models, Step1XEdit.loraTargets(model.ditParams(), model.connectorConfig()),
                runtime.precision().dataType(), ditOptions.adapterCacheBytes());
        try {
            this.ae = modules.vae(models);
            this.mllm = modules.mllm(models);
        } catch (IOException | RuntimeException e) {
            models.close();
            throw e;
        }
    }

    /** Checks the model directory (every problem at once) and loads the VAE and the MLLM; DiTs load on first use. */
    public static Step1XEditPipeline open(Path modelDir, EngineRuntime.Options options) throws IOException {
        return open(ModelDirectory.open(modelDir), options);
    }

    /** Loads the VAE and the MLLM of a checked model directory; DiTs load on first use. */
    public static Step1XEditPipeline open(ModelDirectory dir, EngineRuntime.Options options) throws IOException {
        return open(dir, options, DitOptions.defaults());
    }

    /**
     * As {@link #open(ModelDirectory, EngineRuntime.Options)}, the DiTs loaded as {@code dit} says: LoRA files merged,
     * FP8 weights, blocks offloaded, a cache for per-request adapters ({@link DitOptions}). The LoRA files are checked
     * against the DiT's shapes here, before anything loads (every problem in one exception).
     */
    public static Step1XEditPipeline open(ModelDirectory dir, EngineRuntime.Options options, DitOptions dit)
            throws IOException {
        if (!dit.loras().isEmpty()) {
            try (var check = dev.step1x.engine.lora.LoraMerge.open(dit.loras(),
                    Step1XEdit.loraTargets(dir.ditParams(), dir.connectorConfig()))) {
                // parsed and checked; merged when a DiT loads
            }
        }
        EngineRuntime rt = EngineRuntime.start(options);
        return new Step1XEditPipeline(rt, dir, ModuleSource.checkpoints(rt, dir, dit), dit);
    }

    /** As {@link #open(Path, EngineRuntime.Options)} with {@link DitOptions}. */
    public static Step1XEditPipeline open(Path modelDir, EngineRuntime.Options options, DitOptions dit)
            throws IOException {
        return open(ModelDirectory.open(modelDir), options, dit);
    }

    /** How the DiTs are held. */
    public DitOptions ditOptions() {
        return ditOptions;
    }

    /**
     * The per-request LoRA adapters: register names ({@code adapters().register(name, file)}), preload, evict, and
     * read their device bytes. Its cap is {@link DitOptions#adapterCacheBytes()} (0: per-request adapters off).
     */
    public AdapterCache adapters() {
        return adapters;
    }

    /** The runtime this engine computes on. */
    public EngineRuntime runtime() {
        return runtime;
    }

    public ModelDirectory model() {
        return model;
    }

    @Override
    public int maxBatchRequests(BucketKey bucket) {
        return plan(bucket).maxRequests();
    }

    /** The memory plan of a bucket on this engine's budget. */
    public MemoryPlanner.Plan plan(BucketKey bucket) {
        // one planner per version: building it walks the full module trees, and the worker asks per batch
        return planner(bucket.version()).plan(bucket, memoryBudgetBytes);
    }

    /** The memory planner of a version on this engine's settings. */
    public MemoryPlanner planner(ModelVersion version) {
        return planners.computeIfAbsent(version, v -> MemoryPlanner.of(model, v,
                runtime.precision().dataType(), runtime.qwenOffload(), runtime.maxScoreBytes(), ditOptions));
    }

    /** GPU: the device's total memory as CUDA reports it; CPU: the machine's memory (else the JVM's view). */
    static long deviceMemoryBytes(EngineRuntime runtime) {
        if (runtime.device().isGpu()) {
            return ai.djl.util.cuda.CudaUtils.getGpuMemory(runtime.device()).getMax();
        }
        long total = ProcessMemory.totalBytes();
        return total > 0 ? total : Runtime.getRuntime().maxMemory();
    }

    @Override
    public String describe() {
        return "Step1X-Edit " + model.ditFiles().keySet().stream().map(ModelVersion::label).toList() + " from "
                + model.root() + "; " + runtime.describe() + " (VAE float32); DiT: " + ditOptions.describe();
    }

    @Override
    public List<EditOutput> edit(List<EditInput> inputs) {
        return edit(inputs, EditProgress.NONE);
    }

    /** Every array under this engine's root manager: weights, adapters, and the per-batch managers still open. */
    @Override
    public long liveTensors() {
        return LiveTensors.count(models);
    }

    @Override
    public long deviceMemoryInUse() {
        if (!runtime.device().isGpu()) {
            return -1;
        }
        // the driver's figure for the whole device (cudaMemGetInfo): what the fleet's memory limit is about
        return ai.djl.util.cuda.CudaUtils.getGpuMemory(runtime.device()).getUsed();
    }

    @Override
    public synchronized List<EditOutput> edit(List<EditInput> inputs, EditProgress progress) {
        return edit(inputs, progress, NoiseSource.SEEDED, Tap.NONE);
    }

    /**
     * {@link #edit(List, EditProgress)} with the random draws from {@code noise} and the intermediates shown to
     * {@code tap} (the parity checks' seam; production passes {@link NoiseSource#SEEDED} and {@link Tap#NONE}).
     *
     * <p>Names follow the official {@code generate_image}'s variables. Batch tensors (request {@link Tap#BATCH})
     * have the pipeline's row layout: N requests, and where the DiT batch is meant, rows [0, N) the instructions
     * and rows [N, 2N) the negative prompts. Per-request values carry the request's index in the batch.
     * <ul>
     *   <li>images, per request: {@code ref_image} (the size-level resize), {@code qwen.fetch_image},
     *       {@code qwen.processor_resized}, {@code image_u8_bucket} (to_pil_image, truncated),
     *       {@code image_u8} (back at the input size);</li>
     *   <li>per request: {@code vae_moments} [1, 2C, h, w] and what the MLLM encoder shows
     *       ({@link dev.step1x.engine.conditioner.QwenMllmEncoder#encode(NDManager, List, List, List, Tap)});</li>
     *   <li>batch: {@code ref_latents}, {@code noise} [N, C, h, w]; {@code llm_embedding} [2N, 640, hidden],
     *       {@code mask} [2N, 640]; {@code timesteps} [steps + 1]; {@code img_ids} [2N, 2T, 3]; per step k what
     *       the denoiser shows ({@code step<k>.img_in} [2N, 2T, 64], {@code step<k>.t_vec} [2N],
     *       {@code step<k>.pred} [2N, 2T, 64], {@code step<k>.latents} [N, T, 64], ...: {@link Denoiser#denoise})
     *       and the DiT's connector outputs {@code step<k>.connector_txt}, {@code step<k>.connector_y};
     *       {@code latents_unpacked} [N, C, h, w], {@code decoded} and {@code image01} [N, 3, H, W].</li>
     * </ul>
     */
    synchronized List<EditOutput> edit(List<EditInput> inputs, EditProgress progress, NoiseSource noise, Tap tap) {
        if (inputs.isEmpty()) {
            return List.of();
        }
        BucketKey bucket = commonBucket(inputs);
        StageClock clock = new StageClock(progress);
        float[] all = generate(inputs, bucket, clock, noise, tap);
        int n = inputs.size();
        int h = bucket.height();
        int w = bucket.width();
        // 13. to_pil_image (x·255 truncated); the resize back to the input's size is the caller's (OutputImages)
        int per = 3 * h * w;
        List<RgbImage> images = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            float[] chw = java.util.Arrays.copyOfRange(all, i * per, (i + 1) * per);
            RgbImage atBucket = Step1XResize.toPilImage(chw, w, h);
            images.add(atBucket);
            if (tap.active()) {
                EditInput in = inputs.get(i);
                tap.image("image_u8_bucket", i, atBucket);
                tap.image("image_u8", i, OutputImages.toInputSize(atBucket, in.image().width(), in.image().height()));
            }
        }
        Map<String, Double> ms = clock.finish();
        long peak = ProcessMemory.peakResidentBytes();
        List<EditOutput> outputs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            EditInput in = inputs.get(i);
            outputs.add(new EditOutput(images.get(i), in.image().width(), in.image().height(), bucket, ms, n, peak));
        }
        return outputs;
    }

    /** Stages 1–12 for one bucket: the decoded images in [0, 1], [N, 3, h, w] flattened (package-private for tests). */
    synchronized float[] generate(List<EditInput> inputs, BucketKey bucket, StageClock clock) {
        return generate(inputs, bucket, clock, NoiseSource.SEEDED, Tap.NONE);
    }

    /** Pins the batch's adapters in the cache for the batch's duration, then stages 1–12. */
    private float[] generate(List<EditInput> inputs, BucketKey bucket, StageClock clock, NoiseSource noiseSource,
            Tap tap) {
        List<String> pinned = inputs.stream().map(EditInput::adapter).filter(java.util.Objects::nonNull)
                .map(AdapterRef::name).distinct().toList();
        adapters.pin(pinned);
        try {
            return generate(inputs, bucket, clock, noiseSource, tap, rowAdapters(inputs));
        } finally {
            adapters.unpin(pinned);
        }
    }

    /** The adapters of a batch by row (loaded into the cache if needed; unknown names fail before any compute). */
    private RowAdapters rowAdapters(List<EditInput> inputs) {
        if (inputs.stream().allMatch(in -> in.adapter() == null)) {
            return RowAdapters.none();
        }
        List<RowAdapters.Use> uses = new ArrayList<>();
        for (EditInput in : inputs) {
            try {
                uses.add(in.adapter() == null ? null
                        : new RowAdapters.Use(adapters.acquire(in.adapter().name()), in.adapter().multiplier()));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return RowAdapters.forRequests(uses);
    }

    private float[] generate(List<EditInput> inputs, BucketKey bucket, StageClock clock, NoiseSource noiseSource,
            Tap tap, RowAdapters rows) {
        Step1XEdit dit = dit(bucket.version());
        int n = inputs.size();
        boolean tapped = tap.active();
        try (NDManager m = models.newSubManager()) {
            // 1. Resize the reference: area ~ size_level², aspect kept, multiples of 16 (v1.0 BICUBIC, v1.1 LANCZOS)
            clock.start("resize");
            List<RgbImage> resized = new ArrayList<>();
            for (EditInput in : inputs) {
                resized.add(in.referenceAtBucket());
            }
            int h = bucket.height();
            int w = bucket.width();
            for (int i = 0; i < n; i++) {
                tap.image("ref_image", i, resized.get(i));
            }
            // 2. To tensor: [N, 3, h, w] in [0, 1]
            NDArray ref01 = m.create(concat(resized, Step1XResize::toTensor01), new Shape(n, 3, h, w));

            // 3. VAE-encode the reference (posterior sample with per-request noise, as the official encode samples)
            clock.start("vaeEncode");
            long latentH = h / 8;
            long latentW = w / 8;
            int latentSize = (int) (16 * latentH * latentW);
            NDArray eps = m.create(concatNoise(inputs, latentSize, noiseSource, NoiseSource.Draw.POSTERIOR_EPS),
                    new Shape(n, 16, latentH, latentW));
            NDArray image = ref01.mul(2f).sub(1f);
            NDArray refLatents = inChunks(n, i -> Scoped.run(() -> {
                NDArray moments = ae.moments(image.get("{}:{}", i, i + 1));
                tap.tensor("vae_moments", i, moments);
                return ae.sampleLatents(moments, eps.get("{}:{}", i, i + 1));
            }));
            settle(refLatents);
            tap.tensor("ref_latents", Tap.BATCH, refLatents);

            // 9. Text: MLLM embeddings of instruction and negative prompt with the image
            clock.start("mllm");
            MllmEncoder.Conditioning cond = mllm.encode(m, resized, inputs.stream().map(EditInput::instruction).toList(),
                    inputs.stream().map(EditInput::negativePrompt).toList(), tap);
            settle(cond.embeddings());
            tap.tensor("llm_embedding", Tap.BATCH, cond.embeddings());
            tap.tensor("mask", Tap.BATCH, cond.mask());

            // 4. Noise from each request's own seed; 5. schedule; 7. pack; 8. ids
            clock.start("denoise");
            NDArray noise = m.create(concatNoise(inputs, latentSize, noiseSource, NoiseSource.Draw.INITIAL_NOISE),
                    new Shape(n, 16, latentH, latentW));
            tap.tensor("noise", Tap.BATCH, noise);
            long gridH = latentH / 2;
            long gridW = latentW / 2;
            double[] timesteps = Sampling.schedule(bucket.steps(), gridH * gridW);
            NDArray imgIds = Packing.targetIds(m, gridH, gridW)
                    .concat(Packing.referenceIds(m, gridH, gridW, bucket.version()), 0).expandDims(0).repeat(0, 2L * n);
            NDArray txtIds = Packing.textIds(m, cond.embeddings().getShape().get(1)).expandDims(0).repeat(0, 2L * n);
            EmbedND.Rope pe = dit.rope(txtIds, imgIds);
            if (tapped) {
                float[] ts = new float[timesteps.length];
                for (int i = 0; i < ts.length; i++) {
                    ts[i] = (float) timesteps[i];
                }
                tap.tensor("timesteps", Tap.BATCH, m.create(ts));
                tap.tensor("img_ids", Tap.BATCH, imgIds);
            }
            float[] guidance = new float[n];
            for (int i = 0; i < n; i++) {
                guidance[i] = inputs.get(i).guidance();
            }
            // 10. Denoise: CFG over 2N rows, Euler on the target half, reference half restored each step
            NDArray llm = cond.embeddings();
            NDArray mask = cond.mask();
            NDArray packed = Denoiser.denoise(Packing.pack(noise), Packing.pack(refLatents), timesteps, guidance,
                    bucket.version(), (img, tVec, step) -> {
                        NDArray v = dit.forward(img, pe, tVec, llm, tVec, mask, rows, tapped ? connectorTap(tap, step)
                                : Tap.NONE);
                        clock.progress().step(step + 1, timesteps.length - 1);
                        return v;
                    }, tap);
            settle(packed);

            // 11. Unpack; 12. decode, clamp to [-1, 1], to [0, 1]
            clock.start("vaeDecode");
            NDArray latents = Packing.unpack(packed, gridH, gridW);
            NDArray decoded = inChunks(n, i -> ae.decode(latents.get("{}:{}", i, i + 1)));
            NDArray image01 = decoded.clip(-1f, 1f).mul(0.5f).add(0.5f);
            tap.tensor("latents_unpacked", Tap.BATCH, latents);
            tap.tensor("decoded", Tap.BATCH, decoded);
            tap.tensor("image01", Tap.BATCH, image01);
            return image01.toFloatArray();
        }
    }

    /** Of a DiT forward, only the connector's outputs, as step {@code step}'s {@code connector_txt} and {@code connector_y}. */
    private static Tap connectorTap(Tap tap, int step) {
        return (name, request, value) -> {
            if (name.startsWith("connector.")) {
                tap.tensor("step" + step + "." + name.replace('.', '_'), request, value);
            }
        };
    }

    /**
     * On a GPU, waits until {@code a} is computed, so that the stage clock charges each stage with its own
     * kernels (CUDA runs them asynchronously); on the CPU every op has finished when it returns.
     */
    private void settle(NDArray a) {
        if (runtime.device().isGpu()) {
            try (NDArray first = a.flatten().get(0)) {
                first.toType(DataType.FLOAT32, false).getFloat();
            }
        }
    }

    /**
     * The VAE runs one request at a time: on the CPU a batched convolution is no faster per image and its
     * activations grow past the caches (measured on the demo model at 432x592: decode 1.0 s for one image,
     * 10.6 s for four in one call). Results are the same either way.
     */
    private static NDArray inChunks(int n, java.util.function.IntFunction<NDArray> one) {
        if (n == 1) {
            return one.apply(0);
        }
        ai.djl.ndarray.NDList parts = new ai.djl.ndarray.NDList();
        for (int i = 0; i < n; i++) {
            parts.add(one.apply(i));
        }
        return ai.djl.ndarray.NDArrays.concat(parts, 0);
    }

    BucketKey commonBucket(List<EditInput> inputs) {
        BucketKey bucket = inputs.get(0).bucket();
        for (EditInput in : inputs) {
            if (!in.bucket().equals(bucket)) {
                throw new IllegalArgumentException("one batch holds one bucket: " + bucket + " vs " + in.bucket());
            }
        }
        return bucket;
    }

    private Step1XEdit dit(ModelVersion version) {
        return dits.computeIfAbsent(version, v -> {
            try {
                Step1XEdit d = modules.dit(models, v);
                d.setMaxScoreBytes(runtime.maxScoreBytes());
                return d;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    private static float[] concat(List<RgbImage> images, Function<RgbImage, float[]> f) {
        List<float[]> parts = images.stream().map(f).toList();
        float[] out = new float[parts.stream().mapToInt(p -> p.length).sum()];
        int at = 0;
        for (float[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }

    private static float[] concatNoise(List<EditInput> inputs, int perRequest, NoiseSource source, NoiseSource.Draw draw) {
        float[] out = new float[inputs.size() * perRequest];
        for (int i = 0; i < inputs.size(); i++) {
            float[] one = source.draw(draw, inputs.get(i), perRequest);
            if (one.length != perRequest) {
                throw new IllegalStateException(draw + " of request " + i + ": " + one.length + " values, expected "
                        + perRequest);
            }
            System.arraycopy(one, 0, out, i * perRequest, perRequest);
        }
        return out;
    }

    @Override
    public void close() {
        mllm.close();
        adapters.close();
        models.close();
    }

    /** Wall time per stage of one batch. */
    static final class StageClock {
        private final EditProgress progress;
        private final Map<String, Double> ms = new LinkedHashMap<>();
        private final long begin = System.nanoTime();
        private String current;
        private long since;

        StageClock(EditProgress progress) {
            this.progress = progress;
        }

        EditProgress progress() {
            return progress;
        }

        void start(String stage) {
            stop();
            current = stage;
            since = System.nanoTime();
            progress.stage(stage);
        }

        private void stop() {
            if (current != null) {
                ms.merge(current, (System.nanoTime() - since) / 1e6, Double::sum);
            }
        }

        Map<String, Double> finish() {
            stop();
            current = null;
            ms.put("total", (System.nanoTime() - begin) / 1e6);
            return java.util.Collections.unmodifiableMap(new LinkedHashMap<>(ms));
        }
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "Step1XEditPipeline[%s]", model.root());
    }
}
