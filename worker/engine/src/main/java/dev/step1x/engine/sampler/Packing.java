// Port of stepfun-ai/Step1X-Edit inference.py @ 570eba6 / 95feaea (ImageGenerator.prepare, unpack).
package dev.step1x.engine.sampler;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.step1x.engine.ModelVersion;

/**
 * 2×2 patch packing of latents into DiT tokens and the position ids of the tokens. Token index =
 * row·(W/2) + col over the packed grid; feature index = c·4 + ph·2 + pw.
 */
public final class Packing {

    private Packing() {}

    /** "b c (h ph) (w pw) -> b (h w) (c ph pw)": latents [B, C, H, W] (H, W even) -> [B, H/2·W/2, C·4]. */
    public static NDArray pack(NDArray latents) {
        Shape s = latents.getShape();
        long b = s.get(0);
        long c = s.get(1);
        long h = s.get(2) / 2;
        long w = s.get(3) / 2;
        if (s.get(2) % 2 != 0 || s.get(3) % 2 != 0) {
            throw new IllegalArgumentException("latent height and width must be even, got " + s);
        }
        // [B, C, h, 2, w, 2] -> [B, h, w, C, 2, 2]
        return latents.reshape(b, c, h, 2, w, 2).transpose(0, 2, 4, 1, 3, 5).reshape(b, h * w, c * 4);
    }

    /** Inverse of {@link #pack}: tokens [B, h·w, C·4] on a grid of h×w -> latents [B, C, 2h, 2w]. */
    public static NDArray unpack(NDArray tokens, long gridH, long gridW) {
        Shape s = tokens.getShape();
        long b = s.get(0);
        if (s.get(1) != gridH * gridW || s.get(2) % 4 != 0) {
            throw new IllegalArgumentException("tokens " + s + " do not fit a " + gridH + "x" + gridW + " grid");
        }
        long c = s.get(2) / 4;
        // [B, h, w, C, 2, 2] -> [B, C, h, 2, w, 2]
        return tokens.reshape(b, gridH, gridW, c, 2, 2).transpose(0, 3, 1, 4, 2, 5).reshape(b, c, gridH * 2, gridW * 2);
    }

    /** Target token ids (0, row, col) as float32 [h·w, 3]. */
    public static NDArray targetIds(NDManager m, long gridH, long gridW) {
        return ids(m, gridH, gridW, 0f, 0f);
    }

    /**
     * Reference token ids: v1.0 gives them the target's ids (0, row, col); v1.1 builds them from ones and
     * adds the aranges, (1, row + 1, col + 1).
     */
    public static NDArray referenceIds(NDManager m, long gridH, long gridW, ModelVersion version) {
        return version == ModelVersion.V1_1 ? ids(m, gridH, gridW, 1f, 1f) : ids(m, gridH, gridW, 0f, 0f);
    }

    /** Text ids: all zero, [length, 3]. */
    public static NDArray textIds(NDManager m, long length) {
        return m.zeros(new Shape(length, 3), DataType.FLOAT32);
    }

    private static NDArray ids(NDManager m, long gridH, long gridW, float axis0, float offset) {
        float[] v = new float[(int) (gridH * gridW * 3)];
        for (int r = 0; r < gridH; r++) {
            for (int c = 0; c < gridW; c++) {
                int i = (int) ((r * gridW + c) * 3);
                v[i] = axis0;
                v[i + 1] = r + offset;
                v[i + 2] = c + offset;
            }
        }
        return m.create(v, new Shape(gridH * gridW, 3));
    }
}
