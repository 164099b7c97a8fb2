package dev.step1x.engine.cli;

import dev.step1x.engine.ModelVersion;
import dev.step1x.engine.dit.Step1XParams;
import dev.step1x.engine.image.ImageFiles;
import dev.step1x.engine.image.RgbImage;
import dev.step1x.engine.pipeline.DemoModel;
import dev.step1x.engine.pipeline.EditInput;
import dev.step1x.engine.pipeline.EditOutput;
import dev.step1x.engine.pipeline.EditProgress;
import dev.step1x.engine.pipeline.ImageEncoding;
import dev.step1x.engine.pipeline.ModelDirectory;
import dev.step1x.engine.pipeline.Step1XEditPipeline;
import dev.step1x.engine.runtime.EngineRuntime;
import dev.step1x.engine.tokenizer.QwenTokenizer;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** {@code demo-model} and {@code edit}. */
final class EditCommands {

    static final int MAX_INSTRUCTION_CHARS = 2000;
    static final long DEFAULT_MAX_PIXELS = 50_000_000L;

    private EditCommands() {}

    static int demoModel(CliOptions o, EngineRuntime.Options options, PrintStream out, PrintStream err)
            throws CliOptions.UsageException, IOException {
        Path dir = Path.of(o.required("--out"));
        Path tokenizer = o.path("--tokenizer", null);
        if (tokenizer == null) {
            tokenizer = QwenTokenizer.defaultTestTokenizerPath();
        }
        DemoModel.Size size = switch (o.string("--size", "tiny")) {
            case "tiny" -> DemoModel.Size.TINY;
            case "small" -> DemoModel.Size.SMALL;
            default -> throw new CliOptions.UsageException("--size must be tiny or small, got '" + o.string("--size", "") + "'");
        };
        EngineRuntime rt = EngineRuntime.start(options);
        long start = System.nanoTime();
        ModelDirectory model = DemoModel.write(rt, dir, tokenizer, size);
        out.printf(Locale.ROOT, "demo model written to %s in %.1f s (versions %s)%n", model.root(),
                (System.nanoTime() - start) / 1e9, model.ditFiles().keySet().stream().map(ModelVersion::label).toList());
        out.println("its weights are random: edits run through every stage of the real model but the pictures are meaningless");
        return 0;
    }

    static int edit(CliOptions o, EngineRuntime.Options options, PrintStream out, PrintStream err)
            throws CliOptions.UsageException, IOException {
        Path modelDir = Path.of(o.required("--model"));
        Path imagePath = Path.of(o.required("--image"));
        Path outPath = Path.of(o.required("--out"));
        String instruction = o.required("--instruction");
        if (instruction.isBlank()) {
            throw new CliOptions.UsageException("--instruction is empty");
        }
        if (instruction.codePointCount(0, instruction.length()) > MAX_INSTRUCTION_CHARS) {
            throw new CliOptions.UsageException("--instruction is longer than " + MAX_INSTRUCTION_CHARS + " characters");
        }
        String negative = o.string("--negative", "");
        int sizeLevel = o.integer("--size-level", 512, 64, 2048);
        int steps = o.integer("--steps", 28, 1, 100);
        float guidance = o.number("--guidance", 6.0f, 1f, 20f);
        long seed = o.longValue("--seed", 42);
        ModelVersion version;
        try {
            version = ModelVersion.parse(o.string("--version", "v1.1"));
        } catch (IllegalArgumentException e) {
            throw new CliOptions.UsageException("--version: " + e.getMessage());
        }
        long maxPixels = o.longValue("--max-pixels", DEFAULT_MAX_PIXELS);
        String name = outPath.getFileName().toString().toLowerCase(Locale.ROOT);
        ImageEncoding encoding = name.endsWith(".png") ? ImageEncoding.PNG
                : name.endsWith(".jpg") || name.endsWith(".jpeg") ? ImageEncoding.jpeg(95) : null;
        if (encoding == null) {
            throw new CliOptions.UsageException("--out must end in .png, .jpg or .jpeg, got " + outPath);
        }

        RgbImage image;
        try {
            image = ImageFiles.decode(Files.readAllBytes(imagePath), maxPixels);
        } catch (NoSuchFileException e) {
            err.println("step1x-edit: image " + imagePath + " does not exist");
            return 2;
        } catch (ImageFiles.ImageRejectedException e) {
            err.println("step1x-edit: image " + imagePath + ": " + e.getMessage());
            return 2;
        }
        EditInput input;
        try {
            input = new EditInput(image, instruction, negative, sizeLevel, steps, guidance, seed, version, encoding);
            input.bucket();
        } catch (IllegalArgumentException e) {
            err.println("step1x-edit: " + e.getMessage());
            return 2;
        }

        Step1XEditPipeline engine;
        try {
            engine = Step1XEditPipeline.open(modelDir, options);
        } catch (ModelDirectory.InvalidModelDirectoryException e) {
            err.println("step1x-edit: " + e.getMessage());
            return 2;
        }
        try (engine) {
            boolean demo = !engine.model().ditParams().equals(Step1XParams.official());
            out.println(engine.describe());
            ProgressBar bar = new ProgressBar(err);
            EditOutput result;
            try {
                result = engine.edit(List.of(input), bar).get(0);
            } catch (IllegalArgumentException e) {
                err.println("step1x-edit: " + e.getMessage());
                return 2;
            }
            bar.done();
            Files.write(outPath, result.encoded());
            out.printf(Locale.ROOT, "wrote %s (%dx%d, %s)%s%n", outPath, result.image().width(), result.image().height(),
                    result.contentType(), demo ? " — demo model: the picture is meaningless" : "");
            out.printf(Locale.ROOT, "%-12s %10s%n", "stage", "ms");
            for (Map.Entry<String, Double> e : result.stageMillis().entrySet()) {
                out.printf(Locale.ROOT, "%-12s %10.1f%n", e.getKey(), e.getValue());
            }
            out.printf(Locale.ROOT, "bucket %s, peak resident memory %.0f MiB%n", result.bucket(),
                    result.peakNativeBytes() / 1048576.0);
            return 0;
        }
    }

    /** A one-line progress bar over the denoising steps with an ETA, on stderr. */
    static final class ProgressBar implements EditProgress {
        private final PrintStream err;
        private long denoiseStart;
        private boolean drawn;

        ProgressBar(PrintStream err) {
            this.err = err;
        }

        @Override
        public void stage(String name) {
            if (name.equals("denoise")) {
                denoiseStart = System.nanoTime();
            }
            if (drawn) {
                err.println();
                drawn = false;
            }
            err.print("[" + name + "]");
            err.println();
        }

        @Override
        public void step(int done, int total) {
            double elapsed = (System.nanoTime() - denoiseStart) / 1e9;
            double eta = elapsed / done * (total - done);
            int width = 30;
            int filled = (int) Math.round(width * (double) done / total);
            err.printf(Locale.ROOT, "\rdenoise [%s%s] %d/%d  %.1f s elapsed, ETA %.1f s", "#".repeat(filled),
                    ".".repeat(width - filled), done, total, elapsed, eta);
            drawn = true;
        }

        void done() {
            if (drawn) {
                err.println();
            }
        }
    }
}
