package dev.step1x.engine.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.step1x.engine.image.ImageFiles;
import dev.step1x.engine.image.RgbImage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code edit --input-dir --prompts --output-dir} on the demo model: a folder with good images in two buckets
 * and entries that cannot be edited, each reported with its reason; batched outputs equal the same edit alone.
 */
class BatchEditTest {

    @TempDir
    static Path tmp;
    static Path model;
    static Path in;

    private record Result(int code, String out, String err) {}

    private static Result run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Step1xEditCli.run(List.of(args), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    static RgbImage picture(int w, int h, int salt) {
        byte[] d = new byte[w * h * 3];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int i = (y * w + x) * 3;
                d[i] = (byte) (x * 255 / w + salt);
                d[i + 1] = (byte) (y * 255 / h);
                d[i + 2] = (byte) (((x / 8 + y / 8) % 2) * 200 + salt);
            }
        }
        return new RgbImage(w, h, d);
    }

    @BeforeAll
    static void folder() throws Exception {
        model = tmp.resolve("model");
        Result r = run("demo-model", "--out", model.toString());
        assertThat(r.code()).as(r.err()).isZero();
        in = Files.createDirectories(tmp.resolve("in"));
        // at size level 64, 100x150 and 102x148 resize to the same 48x64 (one bucket), 150x100 to 64x48 (another)
        byte[] a = ImageFiles.encode(picture(100, 150, 0), ImageFiles.Format.PNG, 0);
        Files.write(in.resolve("a.png"), a);
        Files.write(in.resolve("b.jpg"), ImageFiles.encode(picture(102, 148, 40), ImageFiles.Format.JPEG, 95));
        Files.write(in.resolve("c.png"), ImageFiles.encode(picture(150, 100, 90), ImageFiles.Format.PNG, 0));
        Files.write(in.resolve("broken.png"), Arrays.copyOf(a, 60)); // truncated
        Files.write(in.resolve("notes.gif"), "GIF89a-------".getBytes(StandardCharsets.US_ASCII));
        Files.write(in.resolve("blank.png"), a);
        Files.write(in.resolve("b.png"), a); // its output would be b.png, which is b.jpg's
        Files.write(in.resolve("unlisted.png"), a);
        Files.writeString(tmp.resolve("prompts.json"), """
                {
                  "a.png": "Make the sky purple and add a full moon.",
                  "b.jpg": "把背景换成海边日落",
                  "broken.png": "fix it",
                  "c.png": "Change the sign to say \\"HELLO\\"",
                  "gone.png": "there is no such file",
                  "notes.gif": "a gif",
                  "blank.png": "   ",
                  "b.png": "same base name as b.jpg"
                }
                """);
    }

    private static String line(String out, String file) {
        return out.lines().filter(l -> l.startsWith(file + " ")).findFirst().orElseThrow(() -> new AssertionError(
                "no summary line for " + file + " in:\n" + out));
    }

    private static RgbImage decode(Path p) throws Exception {
        return ImageFiles.decode(Files.readAllBytes(p), Long.MAX_VALUE);
    }

    @Test
    void editsTheGoodImagesReportsTheOthersAndABatchedOutputEqualsTheImageAlone() throws Exception {
        Path outDir = tmp.resolve("out");
        Result r = run("edit", "--model", model.toString(), "--input-dir", in.toString(), "--prompts",
                tmp.resolve("prompts.json").toString(), "--output-dir", outDir.toString(), "--size-level", "64",
                "--steps", "2", "--seed", "7", "--batch", "2");
        assertThat(r.code()).as(r.out() + r.err()).isEqualTo(1);

        // the good ones, same base names, PNG, at their input sizes
        try (Stream<Path> files = Files.list(outDir)) {
            assertThat(files.map(p -> p.getFileName().toString()).sorted()).containsExactly("a.png", "b.png", "c.png");
        }
        assertThat(ImageFiles.probe(Files.readAllBytes(outDir.resolve("a.png"))))
                .isEqualTo(new ImageFiles.Probe(ImageFiles.Format.PNG, 100, 150));
        assertThat(ImageFiles.probe(Files.readAllBytes(outDir.resolve("b.png"))))
                .isEqualTo(new ImageFiles.Probe(ImageFiles.Format.PNG, 102, 148));
        assertThat(ImageFiles.probe(Files.readAllBytes(outDir.resolve("c.png"))))
                .isEqualTo(new ImageFiles.Probe(ImageFiles.Format.PNG, 150, 100));

        // the summary: one line per entry, in file order, with its status and the output or the reason
        String out = r.out();
        assertThat(out).contains("8 entries in").contains("3 to edit in 2 buckets, 5 skipped");
        assertThat(line(out, "a.png")).contains(" ok ").contains("100x150").contains(outDir.resolve("a.png").toString());
        assertThat(line(out, "b.jpg")).contains(" ok ").contains("102x148").contains(outDir.resolve("b.png").toString());
        assertThat(line(out, "c.png")).contains(" ok ").contains("150x100").contains(outDir.resolve("c.png").toString());
        String bucketA = line(out, "a.png").split(" +")[3];
        assertThat(line(out, "b.jpg").split(" +")[3]).isEqualTo(bucketA);
        assertThat(line(out, "c.png").split(" +")[3]).isNotEqualTo(bucketA).startsWith("v1.1:");
        assertThat(line(out, "broken.png")).contains(" broken ").contains("the PNG file is truncated");
        assertThat(line(out, "gone.png")).contains(" missing ").contains("no such file in " + in);
        assertThat(line(out, "notes.gif")).contains(" refused ").contains("unsupported image format (GIF)");
        assertThat(line(out, "blank.png")).contains(" bad instruction ").contains("instruction is empty");
        assertThat(line(out, "b.png")).contains(" refused ").contains("output b.png is already b.jpg's");
        assertThat(out).contains("edited 3 of 8 images, 5 failed").contains("not in prompts.json, not edited: unlisted.png");
        // a and b ran as one batch of two, c alone; the progress bar went over the images and the steps
        assertThat(out).contains("batch 1/2, " + bucketA + ": 2 images in").contains("batch 2/2, ").contains(": 1 image in");
        assertThat(r.err()).contains("images [").contains("3/3").contains("denoise 2/2");

        // a.png ran in a batch with b.jpg; alone, with the same seed, it gives the same picture (to +/-1)
        Path alone = tmp.resolve("a-alone.png");
        Result single = run("edit", "--model", model.toString(), "--image", in.resolve("a.png").toString(),
                "--instruction", "Make the sky purple and add a full moon.", "--out", alone.toString(), "--size-level",
                "64", "--steps", "2", "--seed", "7");
        assertThat(single.code()).as(single.err()).isZero();
        RgbImage batched = decode(outDir.resolve("a.png"));
        RgbImage one = decode(alone);
        int max = 0;
        for (int i = 0; i < one.data().length; i++) {
            max = Math.max(max, Math.abs((one.data()[i] & 0xff) - (batched.data()[i] & 0xff)));
        }
        assertThat(max).isLessThanOrEqualTo(1);
        // and the picture is not the input's (the edit ran)
        assertThat(batched.data()).isNotEqualTo(decode(in.resolve("a.png")).data());
    }

    @Test
    void allGoodGivesExitZeroAndJpegOutputsWhenAsked() throws Exception {
        Path prompts = Files.writeString(tmp.resolve("one.json"), "{\"c.png\": \"add a hat\"}");
        Path outDir = tmp.resolve("out-jpeg");
        Result r = run("edit", "--model", model.toString(), "--input-dir", in.toString(), "--prompts", prompts.toString(),
                "--output-dir", outDir.toString(), "--size-level", "64", "--steps", "1", "--format", "jpeg");
        assertThat(r.code()).as(r.out() + r.err()).isZero();
        assertThat(ImageFiles.probe(Files.readAllBytes(outDir.resolve("c.jpg"))))
                .isEqualTo(new ImageFiles.Probe(ImageFiles.Format.JPEG, 150, 100));
        assertThat(r.out()).contains("edited 1 of 1 image, 0 failed");
    }

    @Test
    void usageProblemsOfTheFolderFormExitTwoBeforeAnyModelLoads() throws Exception {
        String[] base = {"edit", "--model", tmp.resolve("no-model").toString(), "--output-dir",
            tmp.resolve("never").toString()};
        Path bad = Files.writeString(tmp.resolve("bad.json"), "{\"a.png\": \"x\",");
        Path array = Files.writeString(tmp.resolve("array.json"), "[\"a.png\"]");
        Path empty = Files.writeString(tmp.resolve("empty.json"), "{}");
        Path good = Files.writeString(tmp.resolve("good.json"), "{\"a.png\": \"x\"}");
        record Case(String inputDir, Path prompts, String message) {}
        for (Case c : List.of(new Case(in.toString(), bad, "is not valid JSON"),
                new Case(in.toString(), array, "must be a JSON object of file name -> instruction"),
                new Case(in.toString(), empty, "lists no images"),
                new Case(in.toString(), tmp.resolve("absent.json"), "absent.json does not exist"),
                new Case(tmp.resolve("no-such-dir").toString(), good, "no-such-dir is not a directory"))) {
            List<String> args = new java.util.ArrayList<>(List.of(base));
            args.addAll(List.of("--input-dir", c.inputDir(), "--prompts", c.prompts().toString()));
            Result r = run(args.toArray(String[]::new));
            assertThat(r.code()).as(c.message() + ": " + r.err()).isEqualTo(2);
            assertThat(r.err()).contains(c.message());
        }
        // the model directory is checked after the inputs: its problems are usage problems too
        Result noModel = run("edit", "--model", tmp.resolve("no-model").toString(), "--input-dir", in.toString(),
                "--prompts", good.toString(), "--output-dir", tmp.resolve("never").toString());
        assertThat(noModel.code()).isEqualTo(2);
        assertThat(noModel.err()).contains("no-model is not usable");
    }
}
