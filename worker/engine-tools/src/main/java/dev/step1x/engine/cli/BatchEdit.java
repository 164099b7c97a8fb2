package dev.step1x.engine.cli;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import dev.step1x.engine.dit.Step1XParams;
import dev.step1x.engine.image.ImageEncoding;
import dev.step1x.engine.image.ImageFiles;
import dev.step1x.engine.image.RgbImage;
import dev.step1x.engine.pipeline.BucketKey;
import dev.step1x.engine.pipeline.EditInput;
import dev.step1x.engine.pipeline.EditOutput;
import dev.step1x.engine.pipeline.Step1XEditPipeline;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * {@code edit --input-dir DIR --prompts FILE.json --output-dir DIR}: every image the prompts file lists (the
 * official {@code inference.py --input_dir --json_path --output_dir} format), one model load, images of one
 * bucket in batches of up to N. An image that cannot be edited is reported with its reason and skipped.
 *
 * <p>Order: the prompts file is read and every entry checked (file present, instruction usable, image
 * decodable within the pixel limit) before the model loads; then the buckets run in the order their first
 * image appears in the file, each in batches; the summary lists the entries in file order. Images are decoded
 * twice (once to check, once for their batch) so that only one batch of pixels is held at a time. Buckets are
 * {@link EditInput#bucket()}. Each output is brought back to its input's size and encoded by
 * {@link EditOutput#finish}, as the worker does.
 */
final class BatchEdit {

    /** What became of one entry. */
    enum Status {
        OK("ok"), MISSING("missing"), BROKEN("broken"), REFUSED("refused"), BAD_INSTRUCTION("bad instruction"),
        FAILED("failed");

        final String label;

        Status(String label) {
            this.label = label;
        }
    }

    /** One entry of the prompts file. */
    static final class Item {
        final String name;
        String instruction;
        Path input;
        Path output;
        Status status;
        String reason;
        int width;
        int height;
        BucketKey bucket;
        double seconds = Double.NaN;

        Item(String name) {
            this.name = name;
        }

        void fail(Status s, String why) {
            status = s;
            reason = why;
        }

        boolean pending() {
            return status == null;
        }
    }

    /** Loads the engine once the inputs are checked (throws the CLI's errors: model directory, engine). */
    interface EngineOpener {
        Step1XEditPipeline open() throws IOException;
    }

    private final Path inputDir;
    private final Path promptsFile;
    private final Path outputDir;
    private final int batch;
    private final ImageEncoding encoding;
    private final EditCommand.Settings settings;
    private final PrintStream out;
    private final PrintStream err;

    BatchEdit(Path inputDir, Path promptsFile, Path outputDir, int batch, ImageEncoding encoding,
            EditCommand.Settings settings, PrintStream out, PrintStream err) {
        this.inputDir = inputDir;
        this.promptsFile = promptsFile;
        this.outputDir = outputDir;
        this.batch = batch;
        this.encoding = encoding;
        this.settings = settings;
        this.out = out;
        this.err = err;
    }

    /** Runs the whole folder; 0 if every entry was edited, 1 if any failed (usage problems throw). */
    int run(EngineOpener opener) throws IOException {
        long start = System.nanoTime();
        List<Item> items = plan();
        for (Item item : items) {
            if (item.pending()) {
                check(item);
            }
        }
        Map<BucketKey, List<Item>> buckets = new LinkedHashMap<>();
        for (Item item : items) {
            if (item.pending()) {
                buckets.computeIfAbsent(item.bucket, k -> new ArrayList<>()).add(item);
            }
        }
        int toEdit = buckets.values().stream().mapToInt(List::size).sum();
        out.printf(Locale.ROOT, "%d entries in %s: %d to edit in %d bucket%s, %d skipped%n", items.size(), promptsFile,
                toEdit, buckets.size(), buckets.size() == 1 ? "" : "s", items.size() - toEdit);
        double loadSeconds = 0;
        boolean demo = false;
        if (toEdit > 0) {
            long loadStart = System.nanoTime();
            try (Step1XEditPipeline engine = opener.open()) {
                loadSeconds = (System.nanoTime() - loadStart) / 1e9;
                demo = !engine.model().ditParams().equals(Step1XParams.official());
                out.println(engine.describe());
                out.printf(Locale.ROOT, "model loaded in %.1f s%n", loadSeconds);
                editAll(engine, buckets, toEdit);
            }
        }
        printSummary(items, (System.nanoTime() - start) / 1e9, loadSeconds, demo);
        return items.stream().allMatch(i -> i.status == Status.OK) ? Step1xEditCli.OK : Step1xEditCli.FAILED;
    }

    /** Reads the prompts file and resolves every entry's input and output; usage problems throw (exit 2). */
    List<Item> plan() throws IOException {
        if (!Files.isDirectory(inputDir)) {
            throw new Step1xEditCli.InputException("--input-dir " + inputDir + " is not a directory");
        }
        Map<String, JsonElement> prompts = readPrompts(promptsFile);
        try {
            Files.createDirectories(outputDir);
        } catch (IOException e) {
            throw new Step1xEditCli.InputException("--output-dir " + outputDir + " cannot be created: " + e, e);
        }
        Path inRoot = inputDir.toAbsolutePath().normalize();
        Path outRoot = outputDir.toAbsolutePath().normalize();
        String extension = encoding.format() == ImageFiles.Format.JPEG ? ".jpg" : ".png";
        Map<Path, String> outputs = new HashMap<>();
        List<Item> items = new ArrayList<>();
        for (Map.Entry<String, JsonElement> e : prompts.entrySet()) {
            Item item = new Item(e.getKey());
            items.add(item);
            Path input;
            try {
                input = inRoot.resolve(e.getKey()).normalize();
            } catch (java.nio.file.InvalidPathException ex) {
                item.fail(Status.MISSING, "not a file name: " + ex.getMessage());
                continue;
            }
            if (e.getKey().isBlank() || !input.startsWith(inRoot) || input.equals(inRoot)) {
                item.fail(Status.MISSING, "not a file name inside --input-dir");
                continue;
            }
            item.input = input;
            if (Files.isDirectory(input)) {
                item.fail(Status.MISSING, "is a directory, not an image");
                continue;
            }
            if (!Files.isRegularFile(input)) {
                item.fail(Status.MISSING, "no such file in " + inputDir);
                continue;
            }
            JsonElement v = e.getValue();
            if (v == null || !v.isJsonPrimitive() || !v.getAsJsonPrimitive().isString()) {
                item.fail(Status.BAD_INSTRUCTION, "instruction is not a string: " + v);
                continue;
            }
            item.instruction = v.getAsString();
            String problem = EditCommand.instructionProblem(item.instruction);
            if (problem != null) {
                item.fail(Status.BAD_INSTRUCTION, problem);
                continue;
            }
            Path relative = inRoot.relativize(input);
            String file = relative.getFileName().toString();
            int dot = file.lastIndexOf('.');
            String base = dot > 0 ? file.substring(0, dot) : file;
            Path output = outRoot.resolve(relative).resolveSibling(base + extension).normalize();
            String taken = outputs.putIfAbsent(output, item.name);
            if (taken != null) {
                item.fail(Status.REFUSED, "output " + output.getFileName() + " is already " + taken + "'s (same base name)");
                continue;
            }
            if (output.equals(input) || (Files.exists(output) && Files.isSameFile(output, input))) {
                item.fail(Status.REFUSED, "its output would overwrite the input (use another --output-dir or --format)");
                continue;
            }
            item.output = output;
        }
        return items;
    }

    /**
     * The prompts file: a JSON object, input file name -> instruction, in file order. Not JSON, not an object or
     * empty: a usage problem.
     */
    static Map<String, JsonElement> readPrompts(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new Step1xEditCli.InputException("--prompts " + file + " does not exist");
        }
        String text = Files.readString(file, StandardCharsets.UTF_8);
        if (text.startsWith("\uFEFF")) {
            text = text.substring(1);
        }
        JsonElement root;
        try {
            root = JsonParser.parseString(text);
        } catch (JsonParseException e) {
            throw new Step1xEditCli.InputException("--prompts " + file + " is not valid JSON: " + e.getMessage(), e);
        }
        if (root == null || !root.isJsonObject()) {
            throw new Step1xEditCli.InputException("--prompts " + file + " must be a JSON object of file name ->"
                    + " instruction, e.g. {\"0000.jpg\": \"add a hat\"}");
        }
        JsonObject o = root.getAsJsonObject();
        if (o.size() == 0) {
            throw new Step1xEditCli.InputException("--prompts " + file + " lists no images");
        }
        Map<String, JsonElement> prompts = new LinkedHashMap<>();
        for (Map.Entry<String, JsonElement> e : o.entrySet()) {
            prompts.put(e.getKey(), e.getValue());
        }
        return prompts;
    }

    /** Decodes the image within the pixel limit and finds its bucket; a problem marks the item. */
    private void check(Item item) {
        RgbImage image = decode(item);
        if (image == null) {
            return;
        }
        item.width = image.width();
        item.height = image.height();
        try {
            item.bucket = settings.input(image, item.instruction).bucket();
        } catch (IllegalArgumentException e) {
            item.fail(Status.REFUSED, e.getMessage());
        }
    }

    private RgbImage decode(Item item) {
        try {
            return ImageFiles.decode(Files.readAllBytes(item.input), settings.maxPixels());
        } catch (ImageFiles.ImageRejectedException e) {
            item.fail(e.reason() == ImageFiles.ImageRejectedException.Reason.CORRUPT ? Status.BROKEN : Status.REFUSED,
                    e.getMessage());
        } catch (IOException e) {
            item.fail(Status.BROKEN, "cannot read: " + e);
        }
        return null;
    }

    private void editAll(Step1XEditPipeline engine, Map<BucketKey, List<Item>> buckets, int toEdit) {
        List<List<Item>> batches = new ArrayList<>();
        for (Map.Entry<BucketKey, List<Item>> b : buckets.entrySet()) {
            int planned = engine.maxBatchRequests(b.getKey());
            int n = Math.max(1, Math.min(batch, planned));
            if (planned < 1) {
                out.printf(Locale.ROOT, "bucket %s: the memory plan says even one image may not fit on %s; trying one at a"
                        + " time%n", b.getKey(), engine.runtime().device());
            } else if (planned < batch) {
                out.printf(Locale.ROOT, "bucket %s: the memory plan fits %d per batch on %s, not %d%n", b.getKey(), planned,
                        engine.runtime().device(), batch);
            }
            List<Item> list = b.getValue();
            for (int i = 0; i < list.size(); i += n) {
                batches.add(list.subList(i, Math.min(list.size(), i + n)));
            }
        }
        ProgressBars.Batch bar = new ProgressBars.Batch(err, toEdit);
        for (int b = 0; b < batches.size(); b++) {
            List<Item> chunk = batches.get(b);
            bar.startBatch(b + 1, batches.size(), chunk.size(), chunk.get(0).bucket);
            long t0 = System.nanoTime();
            List<Item> running = new ArrayList<>();
            List<EditInput> inputs = new ArrayList<>();
            for (Item item : chunk) {
                RgbImage image = decode(item); // again: only one batch of pixels is held at a time
                if (image != null) {
                    EditInput in = settings.input(image, item.instruction);
                    if (!in.bucket().equals(item.bucket)) { // the file changed since it was checked
                        item.fail(Status.FAILED, "the file changed since it was checked (bucket " + in.bucket() + ")");
                        continue;
                    }
                    running.add(item);
                    inputs.add(in);
                }
            }
            String note;
            if (inputs.isEmpty()) {
                note = "nothing left to edit";
            } else {
                List<EditOutput> results;
                try {
                    results = engine.edit(inputs, bar);
                } catch (RuntimeException e) {
                    results = null;
                    for (Item item : running) {
                        item.fail(Status.FAILED, "the edit failed: " + e);
                    }
                }
                if (results != null) {
                    for (int i = 0; i < running.size(); i++) {
                        write(running.get(i), results.get(i));
                    }
                }
                double seconds = (System.nanoTime() - t0) / 1e9;
                for (Item item : running) {
                    item.seconds = seconds / running.size();
                }
                note = String.format(Locale.ROOT, "%d image%s in %.1f s (%.2f s per image)%s", running.size(),
                        running.size() == 1 ? "" : "s", seconds, seconds / running.size(),
                        results == null ? ", FAILED" : "; stages s: " + stages(results.get(0)));
            }
            bar.endBatch();
            bar.newLine();
            out.printf(Locale.ROOT, "batch %d/%d, %s: %s%n", b + 1, batches.size(), chunk.get(0).bucket, note);
        }
    }

    /** "vaeEncode 1.2, mllm 0.8, ...": seconds per stage of one batch (shared by its images). */
    private static String stages(EditOutput result) {
        return result.stageMillis().entrySet().stream().filter(e -> !e.getKey().equals("total"))
                .map(e -> String.format(Locale.ROOT, "%s %.1f", e.getKey(), e.getValue() / 1000))
                .collect(Collectors.joining(", "));
    }

    private void write(Item item, EditOutput result) {
        try {
            Files.createDirectories(item.output.getParent());
            Files.write(item.output, result.finish(encoding).bytes());
            item.status = Status.OK;
        } catch (IOException e) {
            item.fail(Status.FAILED, "cannot write " + item.output + ": " + e);
        }
    }

    private void printSummary(List<Item> items, double totalSeconds, double loadSeconds, boolean demo) {
        int nameWidth = Math.max(4, Math.min(40, items.stream().mapToInt(i -> i.name.length()).max().orElse(4)));
        int statusWidth = Stream.of(Status.values()).mapToInt(s -> s.label.length()).max().orElse(6);
        String fmt = "%-" + nameWidth + "s  %-" + statusWidth + "s  %11s  %-20s  %8s  %s%n";
        out.println();
        out.printf(Locale.ROOT, fmt, "file", "status", "size", "bucket", "s/image", "output or reason");
        for (Item i : items) {
            out.printf(Locale.ROOT, fmt, i.name, i.status.label, i.width > 0 ? i.width + "x" + i.height : "-",
                    i.bucket == null ? "-" : i.bucket.toString(),
                    Double.isNaN(i.seconds) ? "-" : String.format(Locale.ROOT, "%.2f", i.seconds),
                    i.status == Status.OK ? i.output : i.reason);
        }
        long ok = items.stream().filter(i -> i.status == Status.OK).count();
        double editSeconds = items.stream().filter(i -> !Double.isNaN(i.seconds)).mapToDouble(i -> i.seconds).sum();
        out.printf(Locale.ROOT, "edited %d of %d image%s, %d failed; %.1f s in all (model load %.1f s)%s%n", ok,
                items.size(), items.size() == 1 ? "" : "s", items.size() - ok, totalSeconds, loadSeconds,
                ok > 0 ? String.format(Locale.ROOT, ", %.2f s per edited image (batches of up to %d)", editSeconds / ok,
                        batch) : "");
        out.println("s/image: the wall time of the image's batch (decode, edit, write) / the images in it");
        if (demo) {
            out.println("demo model: the pictures are meaningless");
        }
        List<String> unlisted = unlistedImages(items);
        if (!unlisted.isEmpty()) {
            out.println("not in " + promptsFile.getFileName() + ", not edited: " + String.join(", ", unlisted));
        }
    }

    private static final Set<String> IMAGE_EXTENSIONS = Set.of("png", "jpg", "jpeg", "webp");

    /** Image files at the top of --input-dir that the prompts file does not list. */
    private List<String> unlistedImages(List<Item> items) {
        Set<Path> listed = items.stream().filter(i -> i.input != null).map(i -> i.input).collect(Collectors.toSet());
        try (Stream<Path> files = Files.list(inputDir)) {
            return files.map(p -> p.toAbsolutePath().normalize()).filter(p -> !listed.contains(p))
                    .filter(Files::isRegularFile).map(p -> p.getFileName().toString())
                    .filter(n -> IMAGE_EXTENSIONS.contains(n.substring(n.lastIndexOf('.') + 1).toLowerCase(Locale.ROOT)))
                    .sorted().toList();
        } catch (IOException e) {
            return List.of();
        }
    }
}
