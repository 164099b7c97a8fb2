package dev.step1x.engine.nn.fused;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.junit.jupiter.api.Test;

class TorchScriptArchiveTest {

    private static Map<String, byte[]> entries(byte[] zip) throws IOException {
        Map<String, byte[]> out = new LinkedHashMap<>();
        try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(zip))) {
            ZipEntry e;
            while ((e = in.getNextEntry()) != null) {
                assertThat(e.getMethod()).as(e.getName()).isEqualTo(ZipEntry.STORED);
                out.put(e.getName(), in.readAllBytes());
            }
        }
        return out;
    }

    @Test
    void everyEntrySitsUnderOneTopFolder() throws IOException {
        Map<String, byte[]> e = entries(TorchScriptArchive.build("M", "class M(Module):\n  pass\n"));
        assertThat(e.keySet()).containsExactlyInAnyOrder("step1x_fused/data.pkl", "step1x_fused/code/__torch__.py",
                "step1x_fused/constants.pkl", "step1x_fused/version");
        assertThat(new String(e.get("step1x_fused/version"), StandardCharsets.US_ASCII).trim()).isEqualTo("3");
        assertThat(new String(e.get("step1x_fused/code/__torch__.py"), StandardCharsets.UTF_8))
                .isEqualTo("class M(Module):\n  pass\n");
    }

    @Test
    void picklesAreTheExpectedProtocolTwoBytes() {
        // PROTO 2, EMPTY_TUPLE, STOP
        assertThat(TorchScriptArchive.emptyTuplePickle()).containsExactly(0x80, 2, ')', '.');
        byte[] p = TorchScriptArchive.modulePickle("Mod");
        byte[] expected = concat(new byte[] {(byte) 0x80, 2, 'c'}, "__torch__\nMod\n".getBytes(StandardCharsets.US_ASCII),
                new byte[] {')', (byte) 0x81, '}', '(', 'X', 8, 0, 0, 0}, "training".getBytes(StandardCharsets.US_ASCII),
                new byte[] {(byte) 0x89, 'u', 'b', '.'});
        assertThat(p).containsExactly(expected);
    }

    @Test
    void sameInputSameBytes() {
        assertThat(TorchScriptArchive.build("M", "x")).isEqualTo(TorchScriptArchive.build("M", "x"));
    }

    @Test
    void rejectsANameThatIsNotAnIdentifier() {
        assertThatThrownBy(() -> TorchScriptArchive.build("a.b", "")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> TorchScriptArchive.build("M\nos", "")).isInstanceOf(IllegalArgumentException.class);
    }

    private static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] out = new byte[n];
        int i = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, i, p.length);
            i += p.length;
        }
        return out;
    }
}
