package dev.step1x.engine.pipeline;

import dev.step1x.engine.image.Step1XResize;
import java.util.List;

/**
 * Optional aspect snapping (off by default, which is the official behaviour): the resized size is taken
 * from a short list of aspect ratios per size level instead of from the image's exact aspect, so more
 * requests share a bucket and batch together. The output is resized back to the original size anyway;
 * the picture is only slightly stretched while the model sees it.
 */
public final class AspectSnap {

    /** Width:height ratios offered at every size level. */
    public static final List<int[]> RATIOS = List.of(
            new int[] {1, 1}, new int[] {4, 3}, new int[] {3, 4}, new int[] {3, 2}, new int[] {2, 3},
            new int[] {16, 9}, new int[] {9, 16}, new int[] {2, 1}, new int[] {1, 2});

    private AspectSnap() {}

    /** The size of the listed ratio closest to w:h (in log space), computed by the official size rule. */
    public static Step1XResize.Size snap(int width, int height, int sizeLevel) {
        double aspect = Math.log((double) width / height);
        int[] best = RATIOS.get(0);
        for (int[] r : RATIOS) {
            if (Math.abs(Math.log((double) r[0] / r[1]) - aspect) < Math.abs(Math.log((double) best[0] / best[1]) - aspect)) {
                best = r;
            }
        }
        // the official rule on a virtual image of exactly that ratio, large enough to be exact
        return Step1XResize.targetSize(best[0] * 1024, best[1] * 1024, sizeLevel);
    }
}
