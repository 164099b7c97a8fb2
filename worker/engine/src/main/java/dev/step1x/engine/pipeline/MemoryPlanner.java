package dev.step1x.engine.pipeline;

import ai.djl.ndarray.types.DataType;
import dev.step1x.engine.connector.Qwen2ConnectorConfig;
import dev.step1x.engine.dit.Step1XEdit;
import dev.step1x.engine.dit.Step1XParams;
import dev.step1x.engine.mllm.qwen25vl.Qwen25VLConfig;
import dev.step1x.engine.mllm.qwen25vl.Qwen25VLModel;
import dev.step1x.engine.vae.AutoEncoder;
import dev.step1x.engine.vae.AutoEncoderParams;
import dev.step1x.engine.ModelVersion;

/**
 * How many requests of a bucket fit in a memory budget. A request is two DiT rows (cond and uncond);
 * the MLLM runs one prompt at a time and the VAE one request at a time, so only the DiT's activations
 * grow with the batch. The per-row estimate counts the tensors a transformer block holds at its peak
 * (input, modulated input, qkv, q/k/v after norm and rotary, attention output, the MLP hidden state
 * and its activation temporaries); attention scores are bounded separately by the query-chunk budget.
 * It is an estimate, meant to be checked against measured peaks; the worker still splits a batch that
 * runs out of memory.
 */
public final class MemoryPlanner {

    /** Text tokens the DiT sees (Step1X keeps up to 640 MLLM positions). */
    public static final int TEXT_TOKENS = 640;

    /**
     * The estimate for one bucket.
     *
     * @param weightBytes weights resident on the device (DiT + connector + VAE, and Qwen unless offloaded)
     * @param fixedBytes the largest stage transient (VAE decode of one request, one Qwen encoding, with offload
     *     the Qwen weights during encoding, an attention score block); it must fit beside the resident weights
     * @param perRequestBytes DiT activations of one request (its cond and uncond rows)
     * @param maxRequests requests of the bucket per batch; 0: not even one fits
     */
    public record Plan(long weightBytes, long fixedBytes, long perRequestBytes, long budgetBytes, int maxRequests) {}

    private final Step1XParams dit;
    private final AutoEncoderParams ae;
    private final int elementBytes;
    private final long ditBytes;
    private final long vaeWeightBytes;
    private final long qwenWeightBytes;
    private final long qwenPeakBytes;
    private final boolean qwenOffload;
    private final long scoreBytes;

    /**
     * @param dtype the compute type of the DiT, connector and Qwen; the VAE is float32 in any case
     * @param qwenOffload Qwen's weights live in host memory and visit the device only while encoding
     * @param scoreBytes the bound on one attention score block ({@code EngineRuntime.maxScoreBytes})
     */
    public MemoryPlanner(Step1XParams dit, Qwen2ConnectorConfig connector, AutoEncoderParams ae, Qwen25VLConfig qwen,
            ModelVersion version, DataType dtype, boolean qwenOffload, long scoreBytes) {
        this.scoreBytes = scoreBytes;
        this.dit = dit;
        this.ae = ae;
        this.elementBytes = dtype.getNumOfBytes();
        this.qwenOffload = qwenOffload;
        this.ditBytes = Step1XEdit.weightSpec(dit, connector, version).numParams() * elementBytes;
        this.vaeWeightBytes = AutoEncoder.weightSpec(ae).numParams() * DataType.FLOAT32.getNumOfBytes();
        this.qwenWeightBytes = Qwen25VLModel.weightSpec(qwen).numParams() * elementBytes;
        // one prompt of ~TEXT_TOKENS + 217 + image tokens through the decoder: a handful of [L, hidden] and [L, inter]
        long qwenTokens = TEXT_TOKENS + 217 + 324;
        this.qwenPeakBytes = qwenTokens * (8L * qwen.hiddenSize() + 3L * qwen.intermediateSize()) * elementBytes;
    }

    public static MemoryPlanner of(ModelDirectory model, ModelVersion version, DataType dtype, boolean qwenOffload,
            long scoreBytes) {
        return new MemoryPlanner(model.ditParams(), model.connectorConfig(), model.aeParams(), model.qwenConfig(),
                version, dtype, qwenOffload, scoreBytes);
    }

    /** DiT activation bytes of one row (cond or uncond) at its peak inside a block. */
    public long ditRowBytes(BucketKey bucket) {
        long target = (long) (bucket.height() / 16) * (bucket.width() / 16);
        long tokens = TEXT_TOKENS + 2 * target;
        long h = dit.hiddenSize();
        long m = dit.mlpHiddenDim();
        // residual streams and block temporaries (~12 hidden-wide tensors) + MLP hidden and GELU temporaries (~6)
        return tokens * (12 * h + 6 * m) * elementBytes;
    }

    /** VAE decode of one request at full resolution (float32): a few ch-wide feature maps at the image size. */
    public long vaeBytes(BucketKey bucket) {
        long pixels = (long) bucket.height() * bucket.width();
        return 6L * ae.ch() * pixels * DataType.FLOAT32.getNumOfBytes();
    }

    /**
     * The largest number of requests of {@code bucket} that fit in {@code budgetBytes} (0: not even one).
     * The stages run one after the other, so their transients do not add up: encoding (with its visiting
     * weights when offloaded) and the VAE decode must each fit beside the resident weights, and the DiT
     * rows get what the resident weights and one attention score block leave.
     */
    public Plan plan(BucketKey bucket, long budgetBytes) {
        long resident = ditBytes + vaeWeightBytes + (qwenOffload ? 0 : qwenWeightBytes);
        long encoding = qwenPeakBytes + (qwenOffload ? qwenWeightBytes : 0);
        long fixed = Math.max(Math.max(vaeBytes(bucket), encoding), scoreBytes);
        long perRequest = 2 * ditRowBytes(bucket);
        long forRows = budgetBytes - resident - scoreBytes;
        boolean stagesFit = resident + fixed <= budgetBytes;
        int max = !stagesFit || forRows <= 0 ? 0 : (int) Math.min(Integer.MAX_VALUE, forRows / perRequest);
        return new Plan(resident, fixed, perRequest, budgetBytes, max);
    }
}
