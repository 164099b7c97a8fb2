package dev.step1x.engine.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.step1x.engine.dit.Step1XEdit;
import dev.step1x.engine.image.ImageFiles;
import dev.step1x.engine.image.RgbImage;
import dev.step1x.engine.lora.LoraTargets;
import dev.step1x.engine.lora.RandomLora;
import dev.step1x.engine.pipeline.EditInput;
import dev.step1x.engine.pipeline.ModelDirectory;
import dev.step1x.engine.runtime.EngineRuntime;
import dev.step1x.engine.weights.DType;
import dev.step1x.engine.weights.SafetensorsWriter;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** demo-model then edit, as a user runs them, and every input error with its own message and exit code. */
class EditCommandsTest {

    @TempDir
    static Path tmp;
    static Path model;
    static Path image;

    private record Result(int code, String out, String err) {}

    private static Result run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Step1xEditCli.run(List.of(args), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @BeforeAll
    static void demo() throws Exception {
        model = tmp.resolve("model");
        Result r = run("demo-model", "--out", model.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("meaningless");
        byte[] d = new byte[70 * 50 * 3];
        for (int i = 0; i < d.length; i++) {
            d[i] = (byte) (i % 251);
        }
        image = Files.write(tmp.resolve("in.png"), ImageFiles.encode(new RgbImage(70, 50, d), ImageFiles.Format.PNG, 0));
    }

    private static String[] edit(String... extra) {
        List<String> a = new ArrayList<>(List.of("edit", "--model", model.toString(), "--image", image.toString(),
                "--instruction", "make it blue", "--out", tmp.resolve("out.png").toString(), "--size-level", "64",
                "--steps", "2"));
        for (int i = 0; i < extra.length; i += 2) {
            int at = a.indexOf(extra[i]);
            if (at >= 0) {
                a.set(at + 1, extra[i + 1]);
            } else {
                a.add(extra[i]);
                a.add(extra[i + 1]);
            }
        }
        return a.toArray(String[]::new);
    }

    private static String[] plus(String[] args, String... more) {
        List<String> a = new ArrayList<>(List.of(args));
        a.addAll(List.of(more));
        return a.toArray(String[]::new);
    }

    @Test
    void editWritesAPngOfTheInputSizeWithProgressAndTimings() throws Exception {
        Result r = run(edit());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.err()).contains("denoise [").contains("2/2").contains("ETA");
        assertThat(r.out()).contains("total").contains("denoise").contains("vaeDecode").contains("meaningless");
        assertThat(ImageFiles.probe(Files.readAllBytes(tmp.resolve("out.png"))))
                .isEqualTo(new ImageFiles.Probe(ImageFiles.Format.PNG, 70, 50));
    }

    @Test
    void badImagesAreRefusedWithTheirReason() throws Exception {
        Path gif = Files.write(tmp.resolve("x.gif"), "GIF89a-------".getBytes());
        Result unsupported = run(edit("--image", gif.toString()));
        assertThat(unsupported.code()).isEqualTo(2);
        assertThat(unsupported.err()).contains("unsupported image format (GIF)");

        byte[] png = Files.readAllBytes(image);
        Path cut = Files.write(tmp.resolve("cut.png"), java.util.Arrays.copyOf(png, 60));
        Result corrupt = run(edit("--image", cut.toString()));
        assertThat(corrupt.code()).isEqualTo(2);
        assertThat(corrupt.err()).contains("cut.png");

        byte[] jpeg = ImageFiles.encode(ImageFiles.decode(png, 10_000), ImageFiles.Format.JPEG, 90);
        Path half = Files.write(tmp.resolve("half.jpg"), java.util.Arrays.copyOf(jpeg, jpeg.length / 2));
        Result truncated = run(edit("--image", half.toString()));
        assertThat(truncated.code()).isEqualTo(2);
        assertThat(truncated.err()).contains("half.jpg").contains("JPEG file is truncated");

        byte[] bomb = png.clone();
        ByteBuffer.wrap(bomb).putInt(16, 90_000).putInt(20, 90_000);
        CRC32 crc = new CRC32();
        crc.update(bomb, 12, 17);
        ByteBuffer.wrap(bomb).putInt(29, (int) crc.getValue());
        Path bombFile = Files.write(tmp.resolve("bomb.png"), bomb);
        Result tooMany = run(edit("--image", bombFile.toString()));
        assertThat(tooMany.code()).isEqualTo(2);
        assertThat(tooMany.err()).contains("90000x90000").contains("more than the limit");

        Result missing = run(edit("--image", tmp.resolve("nope.png").toString()));
        assertThat(missing.code()).isEqualTo(2);
        assertThat(missing.err()).contains("does not exist");
    }

    @Test
    void badParametersAreUsageErrors() {
        assertUsage(run(edit("--instruction", "   ")), "--instruction is empty");
        assertUsage(run(edit("--instruction", "x".repeat(2001))), "longer than 2000");
        assertUsage(run(edit("--steps", "0")), "--steps must be in 1..100, got 0");
        assertUsage(run(edit("--guidance", "30")), "--guidance must be in 1.0..20.0, got 30.0");
        assertUsage(run(edit("--guidance", "lots")), "'lots' is not a float");
        assertUsage(run(edit("--size-level", "32")), "--size-level must be in 64..2048, got 32");
        assertUsage(run(edit("--version", "v9")), "unknown Step1X-Edit version 'v9'");
        assertUsage(run(edit("--out", tmp.resolve("o.bmp").toString())), "--out must end in .png");
        assertUsage(run(edit("--format", "gif")), "expected one of [png, jpeg]");
        assertUsage(run(edit("--format", "jpeg")), "--format jpeg does not match --out");
        assertUsage(run(edit("--max-pixels", "0")), "--max-pixels must be in 1..");
        assertUsage(run(edit("--colour", "red")), "Unknown options: '--colour', 'red'");
    }

    private static void assertUsage(Result r, String message) {
        assertThat(r.code()).as(r.err()).isEqualTo(2);
        assertThat(r.err()).contains(message).contains("Usage: step1x-edit edit");
    }

    @Test
    void theTwoFormsExcludeEachOtherAndEachNeedsAllItsOptions() {
        Result both = run(edit("--input-dir", tmp.toString()));
        assertUsage(both, "one image (--image, --instruction, --out) and a folder (--input-dir) are two forms of edit");
        assertUsage(run("edit", "--model", model.toString()), "edit needs --image, --instruction and --out (one image)"
                + " or --input-dir, --prompts and --output-dir (a folder)");
        assertUsage(run("edit", "--model", model.toString(), "--image", image.toString(), "--out", "x.png"),
                "--instruction is required with --image");
        assertUsage(run("edit", "--model", model.toString(), "--input-dir", tmp.toString(), "--output-dir", "o"),
                "--prompts is required with --input-dir");
        assertUsage(run("edit", "--model", model.toString(), "--input-dir", tmp.toString(), "--prompts", "p.json",
                "--output-dir", "o", "--batch", "0"), "--batch must be in 1..64, got 0");
    }

    @Test
    void theDefaultSizeLevelIsTheEngineConstant1024() {
        CommandLine cli = Step1xEditCli.commandLine(System.out, System.err);
        cli.parseArgs("edit", "--model", "m", "--image", "i.png", "--instruction", "t", "--out", "o.png");
        EditCommand edit = cli.getSubcommands().get("edit").getCommand();
        assertThat(edit.sizeLevel).isEqualTo(EditInput.DEFAULT_SIZE_LEVEL).isEqualTo(1024);
        cli = Step1xEditCli.commandLine(System.out, System.err);
        cli.parseArgs("bench", "--model", "m");
        BenchCommand bench = cli.getSubcommands().get("bench").getCommand();
        assertThat(bench.sizeLevel).isEqualTo(EditInput.DEFAULT_SIZE_LEVEL);
    }

    @Test
    void theQwenDirectoryMayLiveOutsideTheModelDirectory() throws Exception {
        // the model directory without its Qwen2.5-VL-7B-Instruct/, and that directory as a Hugging Face cache entry
        Path split = Files.createDirectories(tmp.resolve("split-model"));
        try (var files = Files.list(model)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                Files.copy(f, split.resolve(f.getFileName()));
            }
        }
        Path cache = tmp.resolve("hf-cache");
        Path entry = cache.resolve("models--Qwen--Qwen2.5-VL-7B-Instruct");
        Path snapshot = Files.createDirectories(entry.resolve("snapshots").resolve("0123abcd"));
        Files.createDirectories(entry.resolve("refs"));
        Files.writeString(entry.resolve("refs").resolve("main"), "0123abcd");
        try (var files = Files.list(model.resolve("Qwen2.5-VL-7B-Instruct"))) {
            for (Path f : files.toList()) {
                Files.copy(f, snapshot.resolve(f.getFileName()));
            }
        }
        Result without = run(edit("--model", split.toString()));
        assertThat(without.code()).isEqualTo(2);
        assertThat(without.err()).contains("Qwen2.5-VL-7B-Instruct/ is missing").contains("--qwen-dir");

        Path out = tmp.resolve("split-out.png");
        Result with = run(edit("--model", split.toString(), "--qwen-dir", cache.toString(), "--out", out.toString()));
        assertThat(with.code()).as(with.err()).isZero();
        assertThat(ImageFiles.probe(Files.readAllBytes(out))).isEqualTo(new ImageFiles.Probe(ImageFiles.Format.PNG, 70, 50));

        Result wrong = run(edit("--model", split.toString(), "--qwen-dir", tmp.resolve("nowhere").toString()));
        assertThat(wrong.code()).isEqualTo(2);
        assertThat(wrong.err()).contains("nowhere");
    }

    @Test
    void aBrokenModelDirectoryListsEveryProblem() throws Exception {
        Path empty = Files.createDirectories(tmp.resolve("empty-model"));
        Result r = run(edit("--model", empty.toString()));
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("3 problems").contains("Qwen2.5-VL-7B-Instruct/ is missing")
                .contains("no DiT checkpoint").contains("vae.safetensors is missing");
    }

    /**
     * The DiT flags on the demo model: a LoRA merged at load and FP8 weights each change the picture, a missing LoRA
     * file and a LoRA made for another DiT are input errors (exit 2) that name the problem.
     */
    @Test
    void loraAndFp8FlagsChangeTheEditAndBadLoraFilesAreInputErrors() throws Exception {
        EngineRuntime rt = EngineRuntime.startDefault();
        ModelDirectory dir = ModelDirectory.open(model);
        LoraTargets targets = Step1XEdit.loraTargets(dir.ditParams(), dir.connectorConfig());
        Path lora;
        Path foreign;
        try (NDManager m = rt.newManager()) {
            lora = RandomLora.write(m, targets, 4, 4f, 7, DType.F32, tmp.resolve("style.safetensors"));
            // a layer this DiT does not have: the strict load refuses it by name
            foreign = tmp.resolve("foreign.safetensors");
            new SafetensorsWriter().metadata("ss_network_module", "networks.lora")
                    .add("lora_unet_no_such_layer.alpha", m.create(4f), DType.F32)
                    .add("lora_unet_no_such_layer.lora_down.weight", m.ones(new Shape(4, 8)), DType.F32)
                    .add("lora_unet_no_such_layer.lora_up.weight", m.ones(new Shape(8, 4)), DType.F32)
                    .write(foreign);
        }
        Path plain = tmp.resolve("plain.png");
        Path styled = tmp.resolve("styled.png");
        Path fp8 = tmp.resolve("fp8.png");
        assertThat(run(edit("--out", plain.toString())).code()).isZero();
        Result withLora = run(edit("--out", styled.toString(), "--lora", lora + ":0.8"));
        assertThat(withLora.code()).as(withLora.err()).isZero();
        Result withFp8 = run(plus(edit("--out", fp8.toString()), "--fp8"));
        assertThat(withFp8.code()).as(withFp8.err()).isZero();
        byte[] base = Files.readAllBytes(plain);
        assertThat(Files.readAllBytes(styled)).isNotEqualTo(base);
        assertThat(Files.readAllBytes(fp8)).isNotEqualTo(base);

        Result missing = run(edit("--lora", tmp.resolve("nope.safetensors").toString()));
        assertThat(missing.code()).isEqualTo(2);
        assertThat(missing.err()).contains("nope.safetensors").contains("no such file");
        Result mismatch = run(edit("--lora", foreign.toString()));
        assertThat(mismatch.code()).as(mismatch.err()).isEqualTo(2);
        assertThat(mismatch.err()).contains("no_such_layer");
        Result badMultiplier = run(edit("--lora", lora + ":strong"));
        assertThat(badMultiplier.code()).isEqualTo(2);
        assertThat(badMultiplier.err()).contains("strong");
        Result badOverflow = run(plus(edit("--fp8-overflow", "wrap"), "--fp8"));
        assertThat(badOverflow.code()).isEqualTo(2);
        assertThat(badOverflow.err()).contains("wrap");
    }
}
