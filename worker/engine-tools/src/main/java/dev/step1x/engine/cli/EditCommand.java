package dev.step1x.engine.cli;

import dev.step1x.engine.ModelVersion;
import dev.step1x.engine.dit.Step1XEdit;
import dev.step1x.engine.dit.Step1XParams;
import dev.step1x.engine.image.EncodedImage;
import dev.step1x.engine.image.ImageEncoding;
import dev.step1x.engine.image.ImageFiles;
import dev.step1x.engine.image.RgbImage;
import dev.step1x.engine.lora.LoraFile;
import dev.step1x.engine.lora.LoraTargets;
import dev.step1x.engine.pipeline.EditInput;
import dev.step1x.engine.pipeline.EditOutput;
import dev.step1x.engine.pipeline.ModelDirectory;
import dev.step1x.engine.pipeline.Step1XEditPipeline;
import dev.step1x.engine.runtime.EngineRuntime;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code step1x-edit edit}: one image ({@code --image --instruction --out}) or every image of a folder that a
 * prompts JSON lists ({@code --input-dir --prompts --output-dir}, {@link BatchEdit}), with one model load.
 */
@Command(name = "edit", sortOptions = false,
        header = "Edit one image, or a folder of images listed in a prompts JSON (one model load, batched by bucket).",
        customSynopsis = {
            "step1x-edit edit --model DIR --image IN --instruction TEXT --out OUT.png|.jpg [settings]",
            "       step1x-edit edit --model DIR --input-dir DIR --prompts FILE.json --output-dir DIR [--batch N]",
            "                        [--format png|jpeg] [settings]"},
        description = {
            "The folder form reads the official examples' prompts format, {\"0000.jpg\": \"add a hat\", ...}: a file",
            "name in --input-dir -> its instruction. The model loads once; images of one bucket (same size after the",
            "input resize) run together in batches of up to --batch. Each output is named after its input (same base",
            "name, .png unless --format jpeg). A file that is missing, broken, refused (pixel limit, unsupported",
            "format) or has an empty or too long instruction is reported with its reason and skipped; a summary",
            "table ends the run. Exit 1 if any image failed.",
            "Inputs: PNG, JPEG or WebP, edited as displayed (EXIF orientation applied; docs/image-input.md).", ""},
        footerHeading = "%n",
        footer = {
            "Seeds: every image uses --seed, as the official script does; an image's output does not depend on which",
            "images share its batch (a batched edit equals the same edit alone, to +/-1 per 8-bit value).",
            "",
            "Example:",
            "  echo '{\"0000.jpg\": \"add a red hat\", \"0001.png\": \"make the sky purple\"}' > prompts.json",
            "  bin/step1x-edit edit --model ~/step1x --input-dir examples --prompts prompts.json --output-dir out"})
final class EditCommand implements Callable<Integer> {

    static final int MAX_INSTRUCTION_CHARS = 2000;
    static final long DEFAULT_MAX_PIXELS = 50_000_000L;

    /** {@code --format}. */
    enum Format { png, jpeg }

    /** The per-image settings both forms share. */
    record Settings(String negative, int sizeLevel, int steps, float guidance, long seed, ModelVersion version,
            long maxPixels) {
        EditInput input(RgbImage image, String instruction) {
            return new EditInput(image, instruction, negative, sizeLevel, steps, guidance, seed, version);
        }
    }

    @ParentCommand
    Step1xEditCli cli;

    @Spec
    CommandSpec spec;

    @Option(names = "--model", paramLabel = "DIR", required = true,
            description = "Model directory in the official layout (see docs/cli.md).")
    Path model;

    @Option(names = "--qwen-dir", paramLabel = "DIR",
            description = "The Qwen2.5-VL-7B-Instruct directory when it is not inside --model: a plain "
                    + "directory, a Hugging Face cache entry (models--Qwen--Qwen2.5-VL-7B-Instruct) or one "
                    + "of its snapshots.")
    Path qwenDir;

    // one image
    @Option(names = "--image", paramLabel = "IN", description = "One image: the input picture.")
    Path image;

    @Option(names = "--instruction", paramLabel = "TEXT", description = "One image: the edit instruction.")
    String instruction;

    @Option(names = "--out", paramLabel = "OUT", description = "One image: the output, .png, .jpg or .jpeg.")
    Path out;

    // a folder
    @Option(names = "--input-dir", paramLabel = "DIR", description = "Folder: the input images.")
    Path inputDir;

    @Option(names = "--prompts", paramLabel = "FILE.json",
            description = "Folder: JSON object, input file name -> instruction.")
    Path prompts;

    @Option(names = "--output-dir", paramLabel = "DIR", description = "Folder: where the outputs go (created if missing).")
    Path outputDir;

    @Option(names = "--batch", paramLabel = "N",
            description = "Folder: at most N images of one bucket per batch, 1..64 (default: 1, the least "
                    + "memory). A batch shares per-operation overhead between its images, which pays on small "
                    + "models and on GPUs; measure with bench --model DIR --batches 1,2,4. The memory plan may "
                    + "lower N.")
    Integer batch;

    @Option(names = "--format", paramLabel = "png|jpeg",
            description = "Folder: output format (default: png; jpeg at quality 95).")
    Format format;

    // settings
    @Option(names = "--negative", paramLabel = "TEXT", defaultValue = "",
            description = "Negative prompt (default: empty, as the official script).")
    String negative;

    @Option(names = "--size-level", paramLabel = "N", defaultValue = "" + EditInput.DEFAULT_SIZE_LEVEL,
            description = "The edit runs at about N x N pixels, 64..2048 (default: ${DEFAULT-VALUE}, the value "
                    + "of the official example scripts and of the worker's requests, so that all three give "
                    + "the same picture by default; 512 and 768 are faster: the official H800 figures are 5, "
                    + "11 and 22 s per edit at 512, 768 and 1024).")
    int sizeLevel;

    @Option(names = "--steps", paramLabel = "N", defaultValue = "28",
            description = "Denoising steps, 1..100 (default: ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--guidance", paramLabel = "X", defaultValue = "6.0",
            description = "Classifier-free guidance scale, 1..20 (default: ${DEFAULT-VALUE}).")
    float guidance;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "42",
            description = "Noise seed, every image (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--version", paramLabel = "v1.1|v1.0", defaultValue = "v1.1",
            converter = CommonOptions.VersionConverter.class,
            description = "Model version (default: ${DEFAULT-VALUE}).")
    ModelVersion version;

    @Option(names = "--max-pixels", paramLabel = "N", defaultValue = "" + DEFAULT_MAX_PIXELS,
            description = "Refuse inputs of more pixels than this (default: ${DEFAULT-VALUE}).")
    long maxPixels;

    @Option(names = "--qwen-offload", description = "Keep Qwen's weights in host memory between encodings (for GPUs).")
    boolean qwenOffload;

    @Mixin
    DitFlags dit;

    @Mixin
    CommonOptions common;

    @Override
    public Integer call() throws IOException {
        List<String> one = given("--image", image, "--instruction", instruction, "--out", out);
        List<String> folder = given("--input-dir", inputDir, "--prompts", prompts, "--output-dir", outputDir, "--batch",
                batch);
        if (!one.isEmpty() && !folder.isEmpty()) {
            throw CommonOptions.usage(spec, "one image (" + String.join(", ", one) + ") and a folder ("
                    + String.join(", ", folder) + ") are two forms of edit: give --image, --instruction and --out, or"
                    + " --input-dir, --prompts and --output-dir");
        }
        if (one.isEmpty() && folder.isEmpty()) {
            throw CommonOptions.usage(spec, "edit needs --image, --instruction and --out (one image) or --input-dir,"
                    + " --prompts and --output-dir (a folder)");
        }
        Settings settings = new Settings(negative, CommonOptions.range(spec, "--size-level", sizeLevel, 64, 2048),
                CommonOptions.range(spec, "--steps", steps, 1, 100), CommonOptions.range(spec, "--guidance", guidance, 1f, 20f),
                seed, version, CommonOptions.range(spec, "--max-pixels", maxPixels, 1, Long.MAX_VALUE));
        EngineRuntime.Options options = common.options(spec, qwenOffload);
        if (!one.isEmpty()) {
            require(one, "--image", "--instruction", "--out");
            return editOne(settings, options);
        }
        require(folder, "--input-dir", "--prompts", "--output-dir");
        int n = batch == null ? 1 : CommonOptions.range(spec, "--batch", batch, 1, 64);
        ImageEncoding encoding = format == Format.jpeg ? ImageEncoding.jpeg(95) : ImageEncoding.PNG;
        return new BatchEdit(inputDir, prompts, outputDir, n, encoding, settings, cli.out, cli.err)
                .run(() -> openEngine(options));
    }

    private static List<String> given(Object... namesAndValues) {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            if (namesAndValues[i + 1] != null) {
                names.add((String) namesAndValues[i]);
            }
        }
        return names;
    }

    private void require(List<String> given, String... all) {
        for (String name : all) {
            if (!given.contains(name)) {
                throw CommonOptions.usage(spec, name + " is required with " + given.get(0) + " (" + String.join(", ", all)
                        + " go together)");
            }
        }
    }

    /** Checks the model directory and the LoRA files (every problem at once: exit 2) and loads the engine. */
    Step1XEditPipeline openEngine(EngineRuntime.Options options) throws IOException {
        ModelDirectory dir;
        try {
            dir = ModelDirectory.open(model, qwenDir);
        } catch (ModelDirectory.InvalidModelDirectoryException e) {
            throw new Step1xEditCli.InputException(e.getMessage(), e);
        }
        LoraTargets targets = Step1XEdit.loraTargets(dir.ditParams(), dir.connectorConfig());
        List<String> problems = new ArrayList<>();
        for (var lora : dit.loras) {
            LoraFile.problems(lora.file(), targets).forEach(p -> problems.add("--lora " + lora.file() + ": " + p));
        }
        if (!problems.isEmpty()) {
            throw new Step1xEditCli.InputException(String.join("; ", problems));
        }
        return Step1XEditPipeline.open(dir, options, dit.options());
    }

    /** Why an instruction cannot be used, or null. */
    static String instructionProblem(String text) {
        if (text.isBlank()) {
            return "instruction is empty";
        }
        int chars = text.codePointCount(0, text.length());
        if (chars > MAX_INSTRUCTION_CHARS) {
            return "instruction is longer than " + MAX_INSTRUCTION_CHARS + " characters (" + chars + ")";
        }
        return null;
    }

    private int editOne(Settings settings, EngineRuntime.Options options) throws IOException {
        String problem = instructionProblem(instruction);
        if (problem != null) {
            throw CommonOptions.usage(spec, "--" + problem);
        }
        String name = out.getFileName().toString().toLowerCase(Locale.ROOT);
        ImageEncoding encoding = name.endsWith(".png") ? ImageEncoding.PNG
                : name.endsWith(".jpg") || name.endsWith(".jpeg") ? ImageEncoding.jpeg(95) : null;
        if (encoding == null) {
            throw CommonOptions.usage(spec, "--out must end in .png, .jpg or .jpeg, got " + out);
        }
        if (format != null && (format == Format.jpeg) != (encoding.format() == ImageFiles.Format.JPEG)) {
            throw CommonOptions.usage(spec, "--format " + format + " does not match --out " + out
                    + " (one image: the --out extension decides)");
        }
        RgbImage picture;
        try {
            picture = ImageFiles.decode(Files.readAllBytes(image), settings.maxPixels());
        } catch (NoSuchFileException e) {
            throw new Step1xEditCli.InputException("image " + image + " does not exist");
        } catch (ImageFiles.ImageRejectedException e) {
            throw new Step1xEditCli.InputException("image " + image + ": " + e.getMessage());
        }
        EditInput input;
        try {
            input = settings.input(picture, instruction);
            input.bucket();
        } catch (IllegalArgumentException e) {
            throw new Step1xEditCli.InputException(e.getMessage(), e);
        }
        try (Step1XEditPipeline engine = openEngine(options)) {
            boolean demo = !engine.model().ditParams().equals(Step1XParams.official());
            cli.out.println(engine.describe());
            ProgressBars.Single bar = new ProgressBars.Single(cli.err);
            EditOutput result;
            try {
                result = engine.edit(List.of(input), bar).get(0);
            } catch (IllegalArgumentException e) {
                throw new Step1xEditCli.InputException(e.getMessage(), e);
            }
            bar.done();
            EncodedImage file = result.finish(encoding);
            Files.write(out, file.bytes());
            cli.out.printf(Locale.ROOT, "wrote %s (%dx%d, %s)%s%n", out, file.width(), file.height(),
                    file.contentType(), demo ? " — demo model: the picture is meaningless" : "");
            cli.out.printf(Locale.ROOT, "%-12s %10s%n", "stage", "ms");
            for (Map.Entry<String, Double> e : result.stageMillis().entrySet()) {
                cli.out.printf(Locale.ROOT, "%-12s %10.1f%n", e.getKey(), e.getValue());
            }
            cli.out.printf(Locale.ROOT, "bucket %s, peak resident memory %.0f MiB%n", result.bucket(),
                    result.peakNativeBytes() / 1048576.0);
            return Step1xEditCli.OK;
        }
    }
}
