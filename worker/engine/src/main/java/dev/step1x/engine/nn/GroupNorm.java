package dev.step1x.engine.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.step1x.engine.nn.fused.FusedOps;

/**
 * nn.GroupNorm(groups, channels, eps, affine) on NCHW input: libtorch's fused {@code group_norm} (through
 * {@link FusedOps}, where its self-test passed) or composed from basic ops (DJL's PyTorch JNI has no group_norm):
 * per (sample, group) mean and biased variance over C/G·H·W values.
 */
public final class GroupNorm {

    private final int groups;
    private final float eps;
    private final NDArray weight;
    private final NDArray bias;

    public GroupNorm(Params p, int groups, long channels, float eps) {
        if (channels % groups != 0) {
            throw new IllegalArgumentException(channels + " channels do not split into " + groups + " groups");
        }
        this.groups = groups;
        this.eps = eps;
        this.weight = p.get("weight", channels);
        this.bias = p.get("bias", channels);
    }

    /** x [B, C, H, W] (any trailing spatial dims). */
    public NDArray forward(NDArray x) {
        DataType t = x.getDataType();
        if (FusedOps.mode() != FusedOps.Mode.COMPOSED && weight.getDataType() == t && bias.getDataType() == t
                && FusedOps.isPyTorch(x, weight, bias)) {
            FusedOps fused = FusedOps.select(FusedOps.Kernel.GROUP_NORM, x.getDevice(), t);
            if (fused != null) {
                return fused.groupNorm(x, groups, weight, bias, eps);
            }
        }
        return composed(x, groups, weight, bias, eps);
    }

    /** The composed route whatever the mode (the reference the fused kernel is tested against). */
    public static NDArray composed(NDArray x, int groups, NDArray weight, NDArray bias, double eps) {
        Shape shape = x.getShape();
        long b = shape.get(0);
        // [B, C, ...] -> [B, G, C/G·spatial]: each row is one group of one sample
        NDArray g = x.reshape(b, groups, -1);
        NDArray mean = g.mean(new int[] {-1}, true);
        NDArray centered = g.sub(mean);
        NDArray var = centered.square().mean(new int[] {-1}, true);
        NDArray normed = centered.div(var.add((float) eps).sqrt()).reshape(shape);
        // weight/bias [C] broadcast as [C, 1, 1, ...]
        long[] affineShape = new long[shape.dimension() - 1];
        java.util.Arrays.fill(affineShape, 1);
        affineShape[0] = shape.get(1);
        return normed.mul(weight.reshape(affineShape)).add(bias.reshape(affineShape));
    }
}
