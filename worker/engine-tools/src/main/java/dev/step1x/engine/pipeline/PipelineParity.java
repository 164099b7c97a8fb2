package dev.step1x.engine.pipeline;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import dev.step1x.engine.ModelVersion;
import dev.step1x.engine.Tap;
import dev.step1x.engine.image.RgbImage;
import dev.step1x.engine.nn.Precision;
import dev.step1x.engine.parity.CaseData;
import dev.step1x.engine.parity.ParityCase;
import dev.step1x.engine.parity.ParityCatalog;
import dev.step1x.engine.parity.ParityComponent;
import dev.step1x.engine.parity.TapRecorder;
import dev.step1x.engine.parity.Tolerance;
import dev.step1x.engine.runtime.EngineRuntime;
import dev.step1x.engine.tokenizer.TestTokenizer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

/**
 * The golden cases of the {@code pipeline} set: whole edits of the official inference pipeline on the tiny
 * models of the {@code step1x} and {@code qwen25vl} sets, run through the production
 * {@link Step1XEditPipeline} (the code behind the worker and {@code edit}).
 *
 * <p>The model directory is assembled in the official layout ({@link ModelDirectory}) from the weight and
 * config files the case's metadata names ({@code weights.*}, each checked against its sha256), plus the
 * Qwen tokenizer the set was made with ({@code tokenizer_sha256}); {@link Step1XEditPipeline#open} checks
 * and loads it as it loads a real model. The request is built from the case's {@code in.*} tensors (picture,
 * instruction and negative prompt bytes, size level, steps, guidance, seed). Only the two random draws are
 * injected ({@code in.posterior_eps}, {@code in.noise}) through the pipeline's {@link NoiseSource} seam;
 * every intermediate comes from the {@link Tap} the pipeline shows them to and is compared under its golden name.
 *
 * <p>The {@link ParityCase#BATCH} variant runs the golden request as the SECOND request of a batch of two
 * with a partner of the same bucket (the picture mirrored, another instruction with quotes, other guidance
 * and seed, production noise), compares the golden request's intermediates with the golden tensors, and
 * both requests' embeddings, last latents, decoded images and output images with each request run alone
 * (extra rows {@code batch=alone ...}).
 */
public final class PipelineParity {

    /** The batch partner's instruction: a quoted word, an apostrophe pair and Chinese. */
    static final String PARTNER_INSTRUCTION = "Paint the sky \"purple\" and write '早安' on the wall";
    /** Added to the golden guidance for the partner. */
    static final float PARTNER_GUIDANCE_OFFSET = 1.5f;

    /** Weight files the case metadata names, and where each goes in the official layout. */
    private static final Map<String, String> LAYOUT = Map.of(
            "weights.dit_config", ModelDirectory.DIT_CONFIG,
            "weights.vae", ModelDirectory.VAE,
            "weights.vae_config", ModelDirectory.VAE_CONFIG,
            "weights.qwen", ModelDirectory.QWEN_DIR + "/model.safetensors",
            "weights.qwen_config", ModelDirectory.QWEN_DIR + "/config.json");

    private PipelineParity() {}

    public static ParityComponent component() {
        return (manager, data) -> run(manager, data, UnaryOperator.identity());
    }

    /**
     * @param draws applied to the noise source that injects the case's draws (identity in the parity runs;
     *     tests replace it to show that the comparison depends on them)
     */
    static Map<String, NDArray> run(NDManager manager, CaseData data, UnaryOperator<NoiseSource> draws) throws Exception {
        Map<String, String> meta = data.metadata();
        ModelVersion version = ModelVersion.parse(meta.getOrDefault("code_version", "v1.0"));
        EditInput golden = request(data, version);
        NDArray eps = data.tensor("in.posterior_eps");
        NDArray noise = data.tensor("in.noise");
        float[] epsValues = eps.toFloatArray();
        float[] noiseValues = noise.toFloatArray();
        NoiseSource injected = draws.apply((draw, request, count) -> request != golden
                ? NoiseSource.SEEDED.draw(draw, request, count)
                : draw == NoiseSource.Draw.POSTERIOR_EPS ? epsValues : noiseValues);
        boolean batch = ParityCase.BATCH.equals(data.parityCase().variant());

        Path modelDir = Files.createTempDirectory("step1x-pipeline-parity-");
        try {
            ModelDirectory dir = assemble(data, version, modelDir);
            EngineRuntime rt = data.runtime();
            EngineRuntime.Options options = EngineRuntime.Options.defaults().withDevice(deviceSpec(rt.device()))
                    .withDtype(data.precision() == Precision.FP16 ? "fp16" : "fp32").withQwenOffload(rt.qwenOffload());
            try (Step1XEditPipeline pipeline = Step1XEditPipeline.open(dir, options)) {
                if (!batch) {
                    Capture alone = new Capture(manager);
                    pipeline.edit(List.of(golden), EditProgress.NONE, injected, alone);
                    return alone.goldenNames(0, 1);
                }
                EditInput partner = partner(golden);
                if (!partner.bucket().equals(golden.bucket())) {
                    throw new IllegalStateException("partner bucket " + partner.bucket() + " != " + golden.bucket());
                }
                Capture both = new Capture(manager);
                pipeline.edit(List.of(partner, golden), EditProgress.NONE, injected, both);
                List<EditInput> order = List.of(partner, golden);
                for (int i = 0; i < order.size(); i++) {
                    Capture alone = new Capture(manager);
                    pipeline.edit(List.of(order.get(i)), EditProgress.NONE, injected, alone);
                    Map<String, NDArray> inBatch = both.goldenNames(i, 2);
                    Map<String, NDArray> single = alone.goldenNames(0, 1);
                    String who = i == 1 ? "golden" : "partner";
                    int last = golden.steps() - 1;
                    for (String t : List.of("mid.llm_embedding", "mid.step" + last + ".latents", "mid.image01",
                            "out.image_u8_hwc")) {
                        data.addCheck("batch=alone " + who + " " + t, inBatch.get(t), single.get(t),
                                batchTolerance(data.parityCase(), data.precision(), t));
                    }
                }
                return both.goldenNames(1, 2);
            }
        } finally {
            deleteTree(modelDir);
        }
    }

    /** The tolerance of a batch-versus-alone comparison: the golden one of the tensor at this precision. */
    static Tolerance batchTolerance(ParityCase c, Precision precision, String tensor) {
        Tolerance t = c.outputs().get(tensor);
        return precision == Precision.FP16 ? ParityCatalog.fp16Tolerance(c, tensor, t) : t;
    }

    /** The request of the case, from its {@code in.*} tensors. */
    static EditInput request(CaseData data, ModelVersion version) throws IOException {
        RgbImage picture = RgbImage.fromHwc(data.tensor("in.image_u8_hwc"));
        String prompt = utf8(data.tensor("in.prompt_utf8"));
        String negative = utf8(data.tensor("in.negative_prompt_utf8"));
        String metaPrompt = data.metadata().get("prompt");
        if (metaPrompt != null && !metaPrompt.equals(prompt)) {
            throw new IOException("in.prompt_utf8 '" + prompt + "' differs from the metadata prompt '" + metaPrompt + "'");
        }
        int sizeLevel = Math.toIntExact(data.tensor("in.size_level").getLong());
        int steps = Math.toIntExact(data.tensor("in.num_steps").getLong());
        float guidance = data.tensor("in.guidance").getFloat();
        long seed = data.tensor("in.seed").getLong();
        return new EditInput(picture, prompt, negative, sizeLevel, steps, guidance, seed, version);
    }

    /** Another request of the same bucket: the picture mirrored left-right, another instruction, guidance and seed. */
    static EditInput partner(EditInput golden) {
        RgbImage p = golden.image();
        byte[] mirrored = new byte[p.data().length];
        int w = p.width();
        for (int y = 0; y < p.height(); y++) {
            for (int x = 0; x < w; x++) {
                System.arraycopy(p.data(), (y * w + x) * 3, mirrored, (y * w + (w - 1 - x)) * 3, 3);
            }
        }
        return new EditInput(new RgbImage(w, p.height(), mirrored), PARTNER_INSTRUCTION, golden.negativePrompt(),
                golden.sizeLevel(), golden.steps(), golden.guidance() + PARTNER_GUIDANCE_OFFSET, golden.seed() + 1,
                golden.version());
    }

    private static String utf8(NDArray bytes) {
        return bytes.size() == 0 ? "" : new String(bytes.toByteArray(), StandardCharsets.UTF_8);
    }

    /** "cpu" or "gpu:N", as {@link EngineRuntime.Options} spells devices. */
    static String deviceSpec(Device device) {
        return device.isGpu() ? "gpu:" + device.getDeviceId() : "cpu";
    }

    /**
     * The official layout in {@code root}: links (copies where links are not possible) to the files the
     * metadata names, each checked against its sha256, and the Qwen tokenizer; then {@link ModelDirectory#open}.
     */
    static ModelDirectory assemble(CaseData data, ModelVersion version, Path root) throws IOException {
        Map<String, String> meta = data.metadata();
        Map<String, String> layout = new LinkedHashMap<>(LAYOUT);
        layout.put("weights.dit", version == ModelVersion.V1_0 ? ModelDirectory.DIT_V10 : ModelDirectory.DIT_V11);
        Files.createDirectories(root.resolve(ModelDirectory.QWEN_DIR));
        for (Map.Entry<String, String> e : layout.entrySet()) {
            String rel = meta.get(e.getKey());
            if (rel == null) {
                throw new IOException(data.parityCase().file() + ": no metadata " + e.getKey());
            }
            Path file = data.setDir().resolve(rel).normalize();
            verify(file, meta.get(e.getKey() + ".sha256"), e.getKey());
            place(file, root.resolve(e.getValue()));
        }
        Path tokenizer = TestTokenizer.path();
        verify(tokenizer, meta.get("tokenizer_sha256"), "tokenizer");
        place(tokenizer, root.resolve(ModelDirectory.QWEN_DIR).resolve("tokenizer.json"));
        return ModelDirectory.open(root);
    }

    private static void verify(Path file, String sha256, String what) throws IOException {
        if (sha256 == null) {
            return;
        }
        String actual = sha256(file);
        if (!actual.equalsIgnoreCase(sha256)) {
            throw new IOException(what + " " + file + " has sha256 " + actual + ", the case was made with " + sha256);
        }
    }

    static String sha256(Path file) throws IOException {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buf = new byte[1 << 16];
            for (int r; (r = in.read(buf)) > 0; ) {
                md.update(buf, 0, r);
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }

    private static void place(Path source, Path target) throws IOException {
        try {
            Files.createSymbolicLink(target, source.toAbsolutePath());
        } catch (UnsupportedOperationException | IOException e) {
            Files.copy(source, target);
        }
    }

    private static void deleteTree(Path root) throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** Keeps copies of what the pipeline shows, on the case's manager, and reads them under the golden names. */
    static final class Capture implements Tap {
        private final NDManager manager;
        private final TapRecorder shown;

        Capture(NDManager manager) {
            this.manager = manager;
            this.shown = new TapRecorder(manager);
        }

        @Override
        public void tensor(String name, int request, NDArray value) {
            shown.tensor(name, request, value);
        }

        @Override
        public void image(String name, int request, RgbImage image) {
            shown.image(name, request, image);
        }

        private NDArray tensor(String key) {
            return shown.tensor(key);
        }

        private NDArray image(String key) {
            return shown.image(key).toHwc(manager);
        }

        /** Request {@code r}'s rows of a DiT-batch tensor [2N, ...]: its instruction row r and negative row N + r. */
        private NDArray pair(String key, int r, int n) {
            NDArray a = tensor(key);
            if (a.getShape().get(0) != 2L * n) {
                throw new IllegalStateException(key + " has " + a.getShape() + ", expected " + 2 * n + " rows");
            }
            return NDArrays.concat(new NDList(a.get("{}:{}", r, r + 1), a.get("{}:{}", n + r, n + r + 1)), 0);
        }

        /** Request {@code r}'s row of a batch tensor [N, ...]. */
        private NDArray one(String key, int r, int n) {
            NDArray a = tensor(key);
            if (a.getShape().get(0) != n) {
                throw new IllegalStateException(key + " has " + a.getShape() + ", expected " + n + " rows");
            }
            return a.get("{}:{}", r, r + 1);
        }

        /** Request {@code r} of a batch of {@code n} under the golden set's names (its batch of 2 = instruction, negative). */
        Map<String, NDArray> goldenNames(int r, int n) {
            Map<String, NDArray> out = new LinkedHashMap<>();
            String req = "#" + r;
            out.put("mid.ref_image_u8_hwc", image("ref_image" + req));
            out.put("mid.vae_moments", tensor("vae_moments" + req));
            out.put("mid.ref_latents", one("ref_latents", r, n));
            out.put("mid.qwen.fetch_image_u8_hwc", image("qwen.fetch_image" + req));
            out.put("mid.qwen.processor_resized_u8_hwc", image("qwen.processor_resized" + req));
            out.put("mid.qwen.image_grid_thw", tensor("qwen.image_grid_thw" + req));
            String[] rows = {"instruction", "negative"};
            for (int p = 0; p < 2; p++) {
                for (String t : List.of("processor_input_ids", "input_ids", "attention_mask", "position_ids",
                        "rope_deltas", "last_hidden_state")) {
                    out.put("mid.qwen.row" + p + "." + t, tensor("qwen." + rows[p] + "." + t + req));
                }
            }
            out.put("mid.llm_embedding", pair("llm_embedding", r, n));
            out.put("mid.mask", pair("mask", r, n));
            out.put("mid.timesteps", tensor("timesteps"));
            out.put("mid.prepare.img", pair("step0.img_in", r, n));
            out.put("mid.prepare.img_ids", pair("img_ids", r, n));
            for (int k = 0; shown.tensors().containsKey("step" + k + ".pred"); k++) {
                String s = "step" + k + ".";
                for (String t : List.of("connector_txt", "connector_y", "pred", "t_vec")) {
                    out.put("mid." + s + t, pair(s + t, r, n));
                }
                out.put("mid." + s + "latents", one(s + "latents", r, n));
            }
            out.put("mid.latents_unpacked", one("latents_unpacked", r, n));
            out.put("mid.decoded", one("decoded", r, n));
            out.put("mid.image01", one("image01", r, n));
            out.put("out.image_u8_hwc_bucket", image("image_u8_bucket" + req));
            out.put("out.image_u8_hwc", image("image_u8" + req));
            return out;
        }
    }
}
