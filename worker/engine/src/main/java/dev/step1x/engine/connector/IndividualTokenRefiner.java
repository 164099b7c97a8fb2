// Port of stepfun-ai/Step1X-Edit modules/connector_edit.py @ 570eba6 (HunyuanVideo token refiner).
// Keys (relative to individual_token_refiner): blocks.{i}.*
package dev.step1x.engine.connector;

import dev.step1x.engine.nn.Scoped;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.step1x.engine.nn.Attention;
import dev.step1x.engine.nn.Params;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** The stack of {@code depth} refiner blocks, sharing one self-attention mask. */
final class IndividualTokenRefiner {

    private final List<IndividualTokenRefinerBlock> blocks;

    IndividualTokenRefiner(Params p, Qwen2ConnectorConfig c) {
        Params b = p.child("blocks");
        List<IndividualTokenRefinerBlock> list = new ArrayList<>(c.depth());
        for (int i = 0; i < c.depth(); i++) {
            list.add(new IndividualTokenRefinerBlock(b.child(i), c));
        }
        this.blocks = Collections.unmodifiableList(list);
    }

    List<IndividualTokenRefinerBlock> blocks() {
        return blocks;
    }

    /**
     * The refiner's boolean self-attention mask {@code M[b, 0, i, j] = mask[b, i] ∧ mask[b, j]}, with
     * column 0 forced true (so a padded query attends to token 0 only and no row is empty).
     *
     * @param mask [B, L], 0/1 (any integer, float or boolean type; nonzero = valid token)
     * @return BOOLEAN [B, 1, L, L]
     */
    static NDArray selfAttentionMask(NDArray mask) {
        return Scoped.run(() -> {
            long b = mask.getShape().get(0);
            long l = mask.getShape().get(1);
            NDArray valid = mask.toType(DataType.BOOLEAN, false);
            NDArray both = valid.reshape(new Shape(b, 1, l, 1)).logicalAnd(valid.reshape(new Shape(b, 1, 1, l)));
            NDArray firstColumn = mask.getManager().arange(0, (int) l, 1, DataType.INT64).eq(0)
                    .reshape(new Shape(1, 1, 1, l));
            return both.logicalOr(firstColumn);
        });
    }

    /**
     * @param x [B, L, hidden] (the input embedding)
     * @param c [B, hidden]
     * @param mask [B, L] 0/1, or null for no mask
     * @return [B, L, hidden]; a new array unless depth is 0 (then {@code x} itself)
     */
    NDArray forward(NDArray x, NDArray c, NDArray mask) {
        if (blocks.isEmpty()) {
            return x;
        }
        return Scoped.run(() -> {
            NDArray additive = mask == null ? null
                    : Attention.additiveMask(selfAttentionMask(mask), x.getDataType());
            NDArray h = x;
            for (IndividualTokenRefinerBlock block : blocks) {
                h = block.forward(h, c, additive);
            }
            return h;
        });
    }
}
