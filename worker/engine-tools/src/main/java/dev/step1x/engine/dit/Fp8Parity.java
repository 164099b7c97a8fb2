package dev.step1x.engine.dit;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.step1x.engine.ModelVersion;
import dev.step1x.engine.connector.Qwen2ConnectorConfig;
import dev.step1x.engine.parity.CaseData;
import dev.step1x.engine.parity.ParityComponent;
import dev.step1x.engine.parity.TapRecorder;
import dev.step1x.engine.weights.Checkpoint;
import dev.step1x.engine.weights.Float8;
import dev.step1x.engine.weights.Float8Codes;
import dev.step1x.engine.weights.TensorInfo;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;

/** Golden cases of step1x_fp8: {@code dit_forward_fp8} and {@code fp8_convert}. */
public final class Fp8Parity {

    private Fp8Parity() {}

    /**
     * {@code dit_forward_fp8}: {@code dit_fp8.safetensors} (every tensor F8_E4M3) loaded with FP8 weights held as
     * bytes on the device and decoded per layer, one forward on the dit_forward inputs.
     */
    public static ParityComponent ditForward() {
        return (manager, data) -> {
            Path set = data.setDir();
            Step1XParams params = Step1XParams.fromJson(set.resolve("dit_config.json"));
            Qwen2ConnectorConfig connector = Qwen2ConnectorConfig.fromJson(set.resolve("dit_config.json"));
            Step1XEdit dit = Step1XEdit.load(manager, set.resolve("dit_fp8.safetensors"), params, connector,
                    ModelVersion.V1_0, data.precision().dataType(), DitOptions.defaults().withFp8(true));
            TapRecorder mids = new TapRecorder(manager, "mid.");
            EmbedND.Rope pe = dit.rope(data.tensor("in.txt_ids"), data.tensor("in.img_ids"));
            Map<String, NDArray> out = new HashMap<>();
            out.put("out.pred", dit.forward(data.tensor("in.img"), pe, data.tensor("in.timesteps"),
                    data.tensor("in.llm_embedding"), data.tensor("in.t_vec"), data.tensor("in.mask"), mids));
            out.putAll(mids.tensors());
            return out;
        };
    }

    /**
     * {@code fp8_convert}: the engine's float32 → e4m3fn conversion under both overflow rules, the decode table,
     * and the cast of {@code ../step1x/dit_bf16.safetensors} through the engine's loader (CRC-32 per tensor,
     * SHA-256 of all bytes, number of exact ties), with the non-saturating rule as the set pins it.
     */
    public static ParityComponent convert() {
        return (manager, data) -> {
            Map<String, NDArray> out = new HashMap<>();
            int[] bits = data.tensor("in.value_bits").toIntArray();
            byte[] nan = new byte[bits.length];
            byte[] sat = new byte[bits.length];
            for (int i = 0; i < bits.length; i++) {
                nan[i] = Float8.encodeE4m3fnBits(bits[i], Float8.Overflow.NAN);
                sat[i] = Float8.encodeE4m3fnBits(bits[i], Float8.Overflow.SATURATE);
            }
            out.put("out.bits", u8(manager, nan));
            out.put("out.bits_satfinite", u8(manager, sat));
            out.put("out.dequant", decoded(manager, nan));
            out.put("out.dequant_satfinite", decoded(manager, sat));
            byte[] codes = data.tensor("in.byte_codes").toByteArray();
            out.put("out.byte_values", decoded(manager, codes));
            bf16Cast(manager, data, out);
            return out;
        };
    }

    private static void bf16Cast(NDManager manager, CaseData data, Map<String, NDArray> out) throws Exception {
        Path file = data.setDir().resolveSibling("step1x").resolve("dit_bf16.safetensors");
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        List<Long> crcs = new ArrayList<>();
        long ties = 0;
        try (Checkpoint ckpt = Checkpoint.open(file); NDManager tmp = manager.newSubManager()) {
            List<String> names = new ArrayList<>(ckpt.tensors().keySet());
            java.util.Collections.sort(names);
            for (String name : names) {
                TensorInfo t = ckpt.info(name);
                Float8Codes c = ckpt.loadFloat8Codes(tmp, name, Float8.Overflow.NAN);
                byte[] bytes = c.codes().toByteArray();
                c.codes().close();
                CRC32 crc = new CRC32();
                crc.update(bytes);
                crcs.add(crc.getValue());
                sha.update(bytes);
                try (NDArray values = ckpt.load(tmp, name, DataType.FLOAT32)) {
                    ties += ties(values.toFloatArray());
                }
                if (t.numel() != bytes.length) {
                    throw new IOException(name + ": " + bytes.length + " codes for " + t.numel() + " values");
                }
            }
        }
        out.put("out.dit_bf16_cast.crc32", manager.create(crcs.stream().mapToLong(Long::longValue).toArray()));
        out.put("out.dit_bf16_cast.n_ties", manager.create(ties));
        out.put("out.dit_bf16_cast.sha256", u8(manager, sha.digest()));
    }

    /** Values exactly halfway between two neighbouring finite e4m3fn values. */
    static long ties(float[] values) {
        long n = 0;
        for (float v : values) {
            float a = Math.abs(v);
            if (!(a > 0) || a >= 464f) {
                continue; // zero, NaN, or beyond the last finite midpoint
            }
            int b = Float8.encodeE4m3fn(a, Float8.Overflow.NAN) & 0x7F;
            float q = Float8.Format.E4M3FN.decode(b);
            if (q == a) {
                continue;
            }
            int other = q < a ? b + 1 : b - 1;
            double qo = Float8.Format.E4M3FN.decode(other);
            if (Math.abs((double) a - q) == Math.abs(qo - a)) {
                n++;
            }
        }
        return n;
    }

    private static NDArray u8(NDManager manager, byte[] bytes) {
        ByteBuffer buf = ByteBuffer.allocateDirect(bytes.length);
        buf.put(bytes).rewind();
        return manager.create(buf, new Shape(bytes.length), DataType.UINT8);
    }

    private static NDArray decoded(NDManager manager, byte[] codes) {
        float[] v = new float[codes.length];
        for (int i = 0; i < codes.length; i++) {
            v[i] = Float8.Format.E4M3FN.decode(codes[i]);
        }
        return manager.create(v);
    }
}
