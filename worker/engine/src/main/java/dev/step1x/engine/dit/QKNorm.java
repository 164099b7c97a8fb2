// Port of stepfun-ai/Step1X-Edit modules/layers.py @ 570eba6 (QKNorm, RMSNorm).
// Keys: query_norm.scale, key_norm.scale
package dev.step1x.engine.dit;

import ai.djl.ndarray.NDArray;
import dev.step1x.engine.nn.Params;
import dev.step1x.engine.nn.RMSNorm;

/** RMSNorm (eps 1e-6, weight named {@code scale}) of q and k per head; the result takes v's dtype. */
final class QKNorm {

    static final float EPS = 1e-6f;

    private final RMSNorm queryNorm;
    private final RMSNorm keyNorm;

    QKNorm(Params p, long headDim) {
        queryNorm = new RMSNorm(p.child("query_norm"), "scale", headDim, EPS);
        keyNorm = new RMSNorm(p.child("key_norm"), "scale", headDim, EPS);
    }

    NDArray[] forward(NDArray q, NDArray k, NDArray v) {
        return new NDArray[] {
            queryNorm.forward(q).toType(v.getDataType(), false), keyNorm.forward(k).toType(v.getDataType(), false)
        };
    }
}
