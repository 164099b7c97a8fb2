package dev.step1x.engine.weights;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.step1x.engine.runtime.EngineRuntime;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsFileTest {

    static EngineRuntime runtime;
    static NDManager manager;

    @TempDir
    Path tmp;

    @BeforeAll
    static void startEngine() {
        runtime = EngineRuntime.startDefault();
        manager = runtime.newManager();
    }

    @AfterAll
    static void closeManager() {
        manager.close();
    }

    @Test
    void readsEveryDtypeWithMetadata() throws IOException {
        ByteBuffer f16 = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
        f16.putShort((short) 0x3C00).putShort((short) 0xC000); // 1.0, -2.0
        ByteBuffer i32 = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putInt(7).putInt(-9);
        Path file = new TestSafetensors()
                .meta("case", "demo") // widest dtypes first keeps every tensor aligned
                .i64("d.i64", new long[] {2}, Long.MAX_VALUE, -3)
                .f32("a.f32", new long[] {2, 2}, 1.5f, -2f, 3.25f, 0f)
                .tensor("e.i32", "I32", new long[] {2}, i32.array())
                .f32("g.scalar", new long[] {}, 42f)
                .tensor("b.f16", "F16", new long[] {2}, f16.array())
                .bf16("c.bf16", new long[] {3}, 1f, -0.5f, 3.140625f)
                .tensor("f.u8", "U8", new long[] {3}, new byte[] {0, 127, (byte) 255})
                .write(tmp.resolve("all.safetensors"));
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            assertThat(f.metadata()).containsEntry("case", "demo");
            assertThat(f.tensors().keySet()).containsExactly("d.i64", "a.f32", "e.i32", "g.scalar", "b.f16", "c.bf16", "f.u8");
            assertThat(f.load(manager, "a.f32").toFloatArray()).containsExactly(1.5f, -2f, 3.25f, 0f);
            assertThat(f.load(manager, "a.f32").getShape().getShape()).containsExactly(2, 2);
            NDArray half = f.load(manager, "b.f16");
            assertThat(half.getDataType()).isEqualTo(DataType.FLOAT16);
            assertThat(half.toType(DataType.FLOAT32, false).toFloatArray()).containsExactly(1f, -2f);
            NDArray bf = f.load(manager, "c.bf16");
            assertThat(bf.getDataType()).isEqualTo(DataType.FLOAT32);
            assertThat(bf.toFloatArray()).containsExactly(1f, -0.5f, 3.140625f);
            NDArray bfHalf = f.load(manager, f.info("c.bf16"), DataType.FLOAT16);
            assertThat(bfHalf.getDataType()).isEqualTo(DataType.FLOAT16);
            assertThat(bfHalf.toType(DataType.FLOAT32, false).toFloatArray()).containsExactly(1f, -0.5f, 3.140625f);
            assertThat(f.load(manager, "d.i64").toLongArray()).containsExactly(Long.MAX_VALUE, -3L);
            assertThat(f.load(manager, "e.i32").toIntArray()).containsExactly(7, -9);
            assertThat(f.load(manager, "f.u8").toType(DataType.INT32, false).toIntArray()).containsExactly(0, 127, 255);
            NDArray scalar = f.load(manager, "g.scalar");
            assertThat(scalar.getShape().dimension()).isZero();
            assertThat(scalar.getFloat()).isEqualTo(42f);
        }
    }

    @Test
    void loadedTensorsOwnTheirMemorySoInPlaceOpsAreSafe() throws IOException {
        Path file = new TestSafetensors().f32("w", new long[] {2}, 1f, 2f).write(tmp.resolve("w.safetensors"));
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            NDArray w = f.load(manager, "w");
            w.addi(10f); // would crash the JVM on a read-only mapping
            assertThat(w.toFloatArray()).containsExactly(11f, 12f);
            assertThat(f.load(manager, "w").toFloatArray()).containsExactly(1f, 2f);
        }
    }

    @Test
    void chunkedLoadEqualsWholeLoad() throws IOException {
        float[] values = new float[6 * 5];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) Math.scalb(i - 11, -3); // bf16-exact
        }
        Path file = new TestSafetensors()
                .f32("f", new long[] {6, 5}, values)
                .bf16("b", new long[] {6, 5}, values)
                .write(tmp.resolve("chunks.safetensors"));
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            for (String name : new String[] {"f", "b"}) {
                // 2 rows of 5 float32 = 40 bytes per chunk -> 3 chunks joined along dim 0
                NDArray chunked = f.load(manager, f.info(name), null, 40);
                assertThat(chunked.getShape().getShape()).containsExactly(6, 5);
                assertThat(chunked.toFloatArray()).containsExactly(values);
            }
        }
    }

    @Test
    void widensBf16BitExactly() {
        ByteBuffer src = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        src.putShort((short) 0x7F80).putShort((short) 0xFF80).putShort((short) 0x0001).putShort((short) 0x8000);
        ByteBuffer out = SafetensorsFile.widenBf16(src.flip(), 4).order(ByteOrder.nativeOrder());
        assertThat(out.getFloat(0)).isEqualTo(Float.POSITIVE_INFINITY);
        assertThat(out.getFloat(4)).isEqualTo(Float.NEGATIVE_INFINITY);
        assertThat(Float.floatToRawIntBits(out.getFloat(8))).isEqualTo(0x00010000);
        assertThat(Float.floatToRawIntBits(out.getFloat(12))).isEqualTo(0x80000000);
    }

    /** A sparse file: two 1.25 GiB tensors, then a small one whose offsets are above 2^31. */
    @Test
    void readsTensorsBeyondTwoGibibytes() throws IOException {
        long big = 5L << 28; // 1.25 GiB
        String header = "{\"pad0\":{\"dtype\":\"U8\",\"shape\":[" + big + "],\"data_offsets\":[0," + big + "]},"
                + "\"pad1\":{\"dtype\":\"U8\",\"shape\":[" + big + "],\"data_offsets\":[" + big + "," + 2 * big + "]},"
                + "\"tail\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[" + 2 * big + "," + (2 * big + 16) + "]}}";
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        int padded = (h.length + 7) / 8 * 8;
        Path file = tmp.resolve("sparse.safetensors");
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
            head.putLong(padded).put(h);
            while (head.hasRemaining()) {
                head.put((byte) ' ');
            }
            raf.write(head.array());
            long dataStart = 8 + padded;
            raf.setLength(dataStart + 2 * big + 16); // holes: no disk used
            raf.seek(dataStart + 2 * big - 1);
            raf.write(0x5A); // last byte of pad1
            ByteBuffer tail = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
            tail.putFloat(1f).putFloat(2f).putFloat(3f).putFloat(4f);
            raf.write(tail.array());
        }
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            TensorInfo tail = f.info("tail");
            assertThat(tail.begin()).isGreaterThan(Integer.MAX_VALUE);
            assertThat(f.load(manager, "tail").toFloatArray()).containsExactly(1f, 2f, 3f, 4f);
            ByteBuffer last = f.map(f.info("pad1"), big - 1, 1);
            assertThat(last.get(0)).isEqualTo((byte) 0x5A);
            assertThatThrownBy(() -> f.map(f.info("pad1")))
                    .hasMessageContaining("pad1").hasMessageContaining("row blocks");
        }
    }

    @Test
    void readsTheParityWeightFiles() throws IOException {
        Path step1x = dev.step1x.engine.TestPaths.parityDir().resolve("step1x");
        try (SafetensorsFile f32 = SafetensorsFile.open(step1x.resolve("dit.safetensors"));
                SafetensorsFile bf16 = SafetensorsFile.open(step1x.resolve("dit_bf16.safetensors"))) {
            assertThat(f32.tensors()).hasSize(121);
            assertThat(bf16.tensors().keySet()).isEqualTo(f32.tensors().keySet());
            // dit_bf16 is dit rounded to bf16 with round-to-nearest-even: widening must give exactly that.
            for (String key : f32.tensors().keySet()) {
                float[] full = f32.load(manager, key).toFloatArray();
                float[] widened = bf16.load(manager, key).toFloatArray();
                for (int i = 0; i < full.length; i++) {
                    assertThat(widened[i]).as(key + "[" + i + "]").isEqualTo(roundToBf16(full[i]));
                }
            }
        }
    }

    private static float roundToBf16(float x) {
        int bits = Float.floatToRawIntBits(x);
        int rounded = bits + 0x7FFF + ((bits >>> 16) & 1);
        return Float.intBitsToFloat(rounded & 0xFFFF0000);
    }
}
