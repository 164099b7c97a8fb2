package dev.step1x.engine.weights;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.step1x.engine.TestPaths;
import dev.step1x.engine.runtime.EngineRuntime;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Float8Test {

    static final EngineRuntime RT = EngineRuntime.startDefault();

    private static Path fp8(String file) {
        return TestPaths.parityDir().resolve("step1x_fp8").resolve(file);
    }

    /** Bits of the table as PyTorch decodes them; NaN only at 0x7F/0xFF. */
    @Test
    void e4m3fnTableEqualsTheGoldenDecodeTable() throws Exception {
        try (NDManager m = RT.newManager(); SafetensorsFile f = SafetensorsFile.open(fp8("fp8_convert.safetensors"))) {
            float[] golden = f.load(m, "out.byte_values").toFloatArray();
            float[] table = Float8.Format.E4M3FN.table();
            for (int b = 0; b < 256; b++) {
                if (b == 0x7F || b == 0xFF) {
                    assertThat(table[b]).as("byte %02x", b).isNaN();
                    assertThat(golden[b]).isNaN();
                } else {
                    assertThat(Float.floatToRawIntBits(table[b])).as("byte %02x", b)
                            .isEqualTo(Float.floatToRawIntBits(golden[b]));
                }
            }
        }
        assertThat(Float8.Format.E4M3FN.decode(0x7E)).isEqualTo(448f);
        assertThat(Float8.Format.E4M3FN.decode(0x01)).isEqualTo(0x1p-9f);
        assertThat(Float.floatToRawIntBits(Float8.Format.E4M3FN.decode(0x80))).isEqualTo(0x80000000);
    }

    /** Both overflow rules on the 11,085 golden inputs (edge table, every midpoint ±1 ulp, random). */
    @Test
    void encodingEqualsBothGoldenOverflowRules() throws Exception {
        try (NDManager m = RT.newManager(); SafetensorsFile f = SafetensorsFile.open(fp8("fp8_convert.safetensors"))) {
            int[] bits = f.load(m, "in.value_bits").toIntArray();
            byte[] nan = f.load(m, "out.bits").toByteArray();
            byte[] sat = f.load(m, "out.bits_satfinite").toByteArray();
            int differ = 0;
            for (int i = 0; i < bits.length; i++) {
                assertThat(Float8.encodeE4m3fnBits(bits[i], Float8.Overflow.NAN)).as("value bits %08x", bits[i])
                        .isEqualTo(nan[i]);
                assertThat(Float8.encodeE4m3fnBits(bits[i], Float8.Overflow.SATURATE)).as("value bits %08x", bits[i])
                        .isEqualTo(sat[i]);
                differ += nan[i] != sat[i] ? 1 : 0;
            }
            assertThat(differ).isEqualTo(178); // the README's count: the rules really differ on these inputs
        }
        assertThat(Float8.encodeE4m3fn(464f, Float8.Overflow.NAN)).isEqualTo((byte) 0x7E);
        assertThat(Float8.encodeE4m3fn(Math.nextUp(464f), Float8.Overflow.NAN)).isEqualTo((byte) 0x7F);
        assertThat(Float8.encodeE4m3fn(-1e9f, Float8.Overflow.SATURATE)).isEqualTo((byte) 0xFE);
        assertThat(Float8.encodeE4m3fn(Float.POSITIVE_INFINITY, Float8.Overflow.SATURATE)).isEqualTo((byte) 0x7E);
        assertThat(Float8.encodeE4m3fnBits(0xFFC00000, Float8.Overflow.SATURATE)).isEqualTo((byte) 0xFF);
    }

    /** The README's rule: casting ../step1x/dit.safetensors at load gives exactly the bytes of dit_fp8.safetensors. */
    @Test
    void castAtLoadOfTheFloatDitGivesTheFp8FileBytes() throws Exception {
        try (NDManager m = RT.newManager(); Checkpoint f32 = Checkpoint.open(TestPaths.step1x("dit.safetensors"));
                Checkpoint f8 = Checkpoint.open(fp8("dit_fp8.safetensors"))) {
            assertThat(f8.tensors().keySet()).isEqualTo(f32.tensors().keySet());
            for (String key : f32.tensors().keySet()) {
                Float8Codes cast = f32.loadFloat8Codes(m, key, Float8.Overflow.SATURATE);
                Float8Codes stored = f8.loadFloat8Codes(m, key, Float8.Overflow.SATURATE);
                assertThat(cast.format()).isEqualTo(Float8.Format.E4M3FN);
                assertThat(cast.codes().getDataType()).isEqualTo(DataType.UINT8);
                assertThat(cast.codes().getShape()).isEqualTo(stored.codes().getShape());
                assertThat(cast.codes().toByteArray()).as(key).isEqualTo(stored.codes().toByteArray());
            }
        }
    }

    /** Reading an F8_E4M3 tensor without keeping the bytes widens it to the exact values. */
    @Test
    void readingF8E4m3WidensToTheExactValues() throws Exception {
        try (NDManager m = RT.newManager(); Checkpoint f8 = Checkpoint.open(fp8("dit_fp8.safetensors"))) {
            String key = "double_blocks.0.img_attn.qkv.weight";
            assertThat(f8.info(key).dtype()).isEqualTo(DType.F8_E4M3);
            byte[] bytes = f8.loadFloat8Codes(m, key, Float8.Overflow.SATURATE).codes().toByteArray();
            float[] values = f8.load(m, key, DataType.FLOAT32).toFloatArray();
            NDArray half = f8.load(m, key, DataType.FLOAT16);
            assertThat(half.getDataType()).isEqualTo(DataType.FLOAT16);
            float[] viaHalf = half.toType(DataType.FLOAT32, false).toFloatArray();
            int subnormal = 0;
            for (int i = 0; i < bytes.length; i++) {
                float expected = Float8.Format.E4M3FN.decode(bytes[i]);
                assertThat(Float.floatToRawIntBits(values[i])).isEqualTo(Float.floatToRawIntBits(expected));
                assertThat(viaHalf[i]).isEqualTo(expected); // exact in float16 too
                subnormal += (bytes[i] & 0x78) == 0 && (bytes[i] & 0x7) != 0 ? 1 : 0;
            }
            assertThat(subnormal).isPositive();
        }
    }

    @Test
    void e5m2IsReadExactlyAndKeptAsItsOwnBytes(@TempDir Path tmp) throws Exception {
        // 1.0 (0x3C), -2^-16 (0x81, smallest subnormal), 57344 (0x7B, max), 1.25 (0x3D), +inf (0x7C), 0.75 (0x3A)
        byte[] bytes = {0x3C, (byte) 0x81, 0x7B, 0x3D, 0x7C, 0x3A};
        float[] expected = {1f, -0x1p-16f, 57344f, 1.25f, Float.POSITIVE_INFINITY, 0.75f};
        Path file = new TestSafetensors().tensor("w", "F8_E5M2", new long[] {2, 3}, bytes).write(tmp.resolve("e5m2.safetensors"));
        try (NDManager m = RT.newManager(); SafetensorsFile f = SafetensorsFile.open(file)) {
            assertThat(f.info("w").dtype()).isEqualTo(DType.F8_E5M2);
            assertThat(f.load(m, "w").toFloatArray()).containsExactly(expected);
            Float8Codes c = f.loadFloat8Codes(m, f.info("w"), Float8.Overflow.SATURATE);
            assertThat(c.format()).isEqualTo(Float8.Format.E5M2);
            assertThat(c.codes().toByteArray()).containsExactly(bytes);
        }
    }

    @Test
    void bf16AndF16SourcesAreCastFromTheirExactValues(@TempDir Path tmp) throws Exception {
        ByteBuffer half = ByteBuffer.allocate(6).order(ByteOrder.LITTLE_ENDIAN);
        half.putShort((short) 0x3C40).putShort((short) 0x5F40).putShort((short) 0x8001); // 1.0625, 464, -2^-24
        Path file = new TestSafetensors().bf16("b", new long[] {3}, 1.0625f, 1.1875f, 480f)
                .tensor("h", "F16", new long[] {3}, half.array()).write(tmp.resolve("src.safetensors"));
        try (NDManager m = RT.newManager(); SafetensorsFile f = SafetensorsFile.open(file)) {
            assertThat(f.loadFloat8Codes(m, f.info("b"), Float8.Overflow.NAN).codes().toByteArray())
                    .containsExactly(0x38, 0x3A, 0x7F);
            assertThat(f.loadFloat8Codes(m, f.info("b"), Float8.Overflow.SATURATE).codes().toByteArray())
                    .containsExactly(0x38, 0x3A, 0x7E);
            assertThat(f.loadFloat8Codes(m, f.info("h"), Float8.Overflow.NAN).codes().toByteArray())
                    .containsExactly(0x38, 0x7E, 0x80);
        }
    }

    @Test
    void overflowRuleParses() {
        assertThat(Float8.Overflow.parse("Saturate")).isEqualTo(Float8.Overflow.SATURATE);
        assertThat(Float8.Overflow.parse("nan")).isEqualTo(Float8.Overflow.NAN);
        assertThatThrownBy(() -> Float8.Overflow.parse("clip")).hasMessageContaining("saturate, nan");
    }
}
