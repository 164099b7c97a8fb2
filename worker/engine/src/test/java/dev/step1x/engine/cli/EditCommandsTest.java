package dev.step1x.engine.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.step1x.engine.image.ImageFiles;
import dev.step1x.engine.image.RgbImage;
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
        assertThat(run(edit("--instruction", "   ")).err()).contains("--instruction is empty");
        assertThat(run(edit("--instruction", "x".repeat(2001))).err()).contains("longer than 2000");
        assertThat(run(edit("--steps", "0")).err()).contains("--steps must be in 1..100");
        assertThat(run(edit("--guidance", "30")).err()).contains("--guidance must be in");
        assertThat(run(edit("--version", "v9")).err()).contains("--version");
        assertThat(run(edit("--out", tmp.resolve("o.bmp").toString())).err()).contains("--out must end in .png");
        assertThat(run(edit("--steps", "0")).code()).isEqualTo(2);
    }

    @Test
    void aBrokenModelDirectoryListsEveryProblem() throws Exception {
        Path empty = Files.createDirectories(tmp.resolve("empty-model"));
        Result r = run(edit("--model", empty.toString()));
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("3 problems").contains("Qwen2.5-VL-7B-Instruct/ is missing")
                .contains("no DiT checkpoint").contains("vae.safetensors is missing");
    }
}
