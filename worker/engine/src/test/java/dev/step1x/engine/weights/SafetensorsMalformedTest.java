package dev.step1x.engine.weights;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Every kind of broken file gives a SafetensorsFormatException naming the problem; none crashes the JVM. */
class SafetensorsMalformedTest {

    @TempDir
    Path tmp;

    private static final String T = "{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}";

    private void assertRejected(Path file, String... phrases) {
        var a = assertThatThrownBy(() -> SafetensorsFile.open(file)).isInstanceOf(SafetensorsFormatException.class)
                .hasMessageStartingWith(file.getFileName() + ": ");
        for (String p : phrases) {
            a.hasMessageContaining(p);
        }
    }

    @Test
    void fileShorterThanTheLengthField() throws IOException {
        Path f = Files.write(tmp.resolve("short.safetensors"), new byte[] {1, 2, 3});
        assertRejected(f, "3 bytes", "too short");
    }

    @Test
    void headerLengthBeyondTheFile() throws IOException {
        Path f = TestSafetensors.writeBytes(tmp.resolve("trunc.safetensors"), 4096, "{}".getBytes(StandardCharsets.UTF_8),
                new byte[0]);
        assertRejected(f, "header length 4096", "exceeds", "truncated");
    }

    @Test
    void headerLengthWithTheTopBitSet() throws IOException {
        Path f = TestSafetensors.writeBytes(tmp.resolve("huge.safetensors"), -8, "{}".getBytes(StandardCharsets.UTF_8),
                new byte[0]);
        assertRejected(f, "header length 18446744073709551608", "not a safetensors file");
    }

    @Test
    void headerLengthTooSmallForJson() throws IOException {
        Path f = TestSafetensors.writeBytes(tmp.resolve("tiny.safetensors"), 1, "{".getBytes(StandardCharsets.UTF_8),
                new byte[0]);
        assertRejected(f, "header length 1", "too short");
    }

    @Test
    void headerNotUtf8() throws IOException {
        byte[] h = {'{', '"', (byte) 0xC3, (byte) 0x28, '"', ':', '1', '}'};
        Path f = TestSafetensors.writeBytes(tmp.resolve("utf.safetensors"), h.length, h, new byte[0]);
        assertRejected(f, "not valid UTF-8");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        "bad json            | {\"a\": {\"dtype\": \"F32\",                                                   | not valid JSON",
        "not an object       | [1,2,3]                                                                     | not a JSON object",
        "trailing content    | {} {}                                                                       | not valid JSON",
        "entry not object    | {\"a\": 5}                                                                  | 'a': entry must be an object",
        "unknown dtype       | {\"a\": {\"dtype\":\"F8\",\"shape\":[2],\"data_offsets\":[0,2]}}            | 'a': unsupported dtype 'F8'",
        "missing shape       | {\"a\": {\"dtype\":\"F32\",\"data_offsets\":[0,8]}}                         | 'a': missing shape",
        "unknown field       | {\"a\": {\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8],\"x\":1}}   | 'a': unknown field 'x'",
        "negative dim        | {\"a\": {\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}          | 'a': shape value -2 is negative",
        "fractional dim      | {\"a\": {\"dtype\":\"F32\",\"shape\":[2.5],\"data_offsets\":[0,8]}}         | 'a': shape value 2.5 is not a 64-bit integer",
        "three offsets       | {\"a\": {\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,4,8]}}         | 'a': data_offsets must be [begin, end]",
        "end before begin    | {\"a\": {\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,0]}}           | 'a': data_offsets end 0 is before begin 8",
        "size mismatch       | {\"a\": {\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}           | 'a': data_offsets [0, 8] hold 8 bytes but F32[3] needs 12",
        "shape overflow      | {\"a\": {\"dtype\":\"F32\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,8]}} | overflows 64 bits",
        "duplicate tensor    | {\"a\": " + "{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}, \"a\": {\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}} | 'a' appears twice",
        "metadata not string | {\"__metadata__\": {\"k\": 1}}                                              | __metadata__.k must be a string",
    })
    void malformedHeader(String label, String header, String phrase) throws IOException {
        Path f = TestSafetensors.writeRaw(tmp.resolve(label.trim().replace(' ', '_') + ".safetensors"), header.trim(),
                new byte[8]);
        assertRejected(f, phrase.trim());
    }

    @Test
    void offsetsOutsideTheFile() throws IOException {
        String h = "{\"a\":" + T + ",\"b\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[8,24]}}";
        Path f = TestSafetensors.writeRaw(tmp.resolve("outside.safetensors"), h, new byte[12]);
        assertRejected(f, "'b'", "[8, 24]", "outside the 12-byte data section", "truncated");
    }

    @Test
    void overlappingTensors() throws IOException {
        String h = "{\"a\":" + T + ",\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}";
        Path f = TestSafetensors.writeRaw(tmp.resolve("overlap.safetensors"), h, new byte[12]);
        assertRejected(f, "'a' [0, 8]", "'b' [4, 12]", "overlap");
    }

    @Test
    void holeBetweenTensors() throws IOException {
        String h = "{\"a\":" + T + ",\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[12,16]}}";
        Path f = TestSafetensors.writeRaw(tmp.resolve("hole.safetensors"), h, new byte[16]);
        assertRejected(f, "bytes [8, 12)", "'b'", "hole");
    }

    @Test
    void unindexedTrailingBytes() throws IOException {
        Path f = TestSafetensors.writeRaw(tmp.resolve("trailing.safetensors"), "{\"a\":" + T + "}", new byte[12]);
        assertRejected(f, "4 bytes after the last tensor");
    }

    @Test
    void unalignedData() throws IOException {
        String h = "{\"u\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[0,2]},"
                + "\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[2,6]}}";
        Path f = TestSafetensors.writeRaw(tmp.resolve("unaligned.safetensors"), h, new byte[6]);
        assertRejected(f, "'a'", "offset 2 is not aligned", "4-byte F32");
    }

    @Test
    void truncatedDataAfterAValidHeader() throws IOException {
        Path good = new TestSafetensors().f32("w", new long[] {4}, 1, 2, 3, 4).write(tmp.resolve("good.safetensors"));
        byte[] all = Files.readAllBytes(good);
        Path cut = Files.write(tmp.resolve("cut.safetensors"), java.util.Arrays.copyOf(all, all.length - 3));
        assertRejected(cut, "'w'", "outside the 13-byte data section", "truncated");
    }
}
