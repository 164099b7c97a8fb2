package dev.step1x.engine.pipeline;

import ai.djl.ndarray.types.DataType;
import dev.step1x.engine.connector.Qwen2ConnectorConfig;
import dev.step1x.engine.dit.DitOptions;
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
 *
 * <p>The DiT's storage follows {@link DitOptions}: FP8 counts one byte per Linear weight element (the other
 * parameters, 0.1% of them, in the compute type) plus the decode transient of the largest Linear (int32 indices
 * and the decoded weight, 4 + 2 bytes per element); offload keeps only the embedders, final layer and connector
 * resident and counts one visiting block (the largest) beside the batch rows; unmerged adapters reserve the
 * adapter cache's cap and per row the low-rank branch's transients (the gathered input and the widest output).
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
    private final DitOptions ditOptions;
    /** DiT bytes visiting the device beside the rows: one offloaded block, the FP8 decode of the largest Linear. */
    private final long ditVisitBytes;
    private final long ditDequantBytes;

    /**
     * @param dtype the compute type of the DiT, connector and Qwen; the VAE is float32 in any case
     * @param qwenOffload Qwen's weights live in host memory and visit the device only while encoding
     * @param scoreBytes the bound on one attention score block ({@code EngineRuntime.maxScoreBytes})
     */
    public MemoryPlanner(Step1XParams dit, Qwen2ConnectorConfig connector, AutoEncoderParams ae, Qwen25VLConfig qwen,
            ModelVersion version, DataType dtype, boolean qwenOffload, long scoreBytes) {
        this(dit, connector, ae, qwen, version, dtype, qwenOffload, scoreBytes, DitOptions.defaults());
    }

    /** As above, with the DiT held as {@code ditOptions} says (FP8, offloaded blocks, adapter cache). */
    public MemoryPlanner(Step1XParams dit, Qwen2ConnectorConfig connector, AutoEncoderParams ae, Qwen25VLConfig qwen,
            ModelVersion version, DataType dtype, boolean qwenOffload, long scoreBytes, DitOptions ditOptions) {
        this.scoreBytes = scoreBytes;
        this.dit = dit;
        this.ae = ae;
        this.elementBytes = dtype.getNumOfBytes();
        this.qwenOffload = qwenOffload;
        this.ditOptions = ditOptions;
        long[] d = ditStorage(Step1XEdit.weightSpec(dit, connector, version), ditOptions, elementBytes);
        this.ditBytes = d[0];
        this.ditVisitBytes = d[1];
        this.ditDequantBytes = d[2];
        this.vaeWeightBytes = AutoEncoder.weightSpec(ae).numParams() * DataType.FLOAT32.getNumOfBytes();
        this.qwenWeightBytes = Qwen25VLModel.weightSpec(qwen).numParams() * elementBytes;
        // one prompt of ~TEXT_TOKENS + 217 + image tokens through the decoder: a handful of [L, hidden] and [L, inter]
        long qwenTokens = TEXT_TOKENS + 217 + 324;
        this.qwenPeakBytes = qwenTokens * (8L * qwen.hiddenSize() + 3L * qwen.intermediateSize()) * elementBytes;
    }

    public static MemoryPlanner of(ModelDirectory model, ModelVersion version, DataType dtype, boolean qwenOffload,
            long scoreBytes) {
        return of(model, version, dtype, qwenOffload, scoreBytes, DitOptions.defaults());
    }

    public static MemoryPlanner of(ModelDirectory model, ModelVersion version, DataType dtype, boolean qwenOffload,
            long scoreBytes, DitOptions ditOptions) {
        return new MemoryPlanner(model.ditParams(), model.connectorConfig(), model.aeParams(), model.qwenConfig(),
                version, dtype, qwenOffload, scoreBytes, ditOptions);
    }

    /**
     * {resident DiT bytes, bytes of the largest block when offloaded (else 0), FP8 decode transient of the largest
     * Linear (else 0)}.
     */
    static long[] ditStorage(dev.step1x.engine.weights.WeightSpec spec, DitOptions o, int elementBytes) {
        long resident = 0;
        long largestLinear = 0;
        java.util.Map<String, Long> blocks = new java.util.HashMap<>();
        for (java.util.Map.Entry<String, long[]> e : spec.shapes().entrySet()) {
            String key = e.getKey();
            long n = dev.step1x.engine.weights.Shapes.numel(e.getValue());
            boolean linear = e.getValue().length == 2 && key.endsWith(".weight");
            long bytes = n * (o.fp8() && linear ? 1 : elementBytes);
            if (linear) {
                largestLinear = Math.max(largestLinear, n);
            }
            boolean block = key.startsWith("double_blocks.") || key.startsWith("single_blocks.");
            if (o.offload() && block) {
                String[] parts = key.split("\\.", 3);
                blocks.merge(parts[0] + "." + parts[1], bytes, Long::sum);
            } else {
                resident += bytes;
            }
        }
        long visit = blocks.values().stream().mapToLong(Long::longValue).max().orElse(0);
        long dequant = o.fp8() ? largestLinear * (4L + elementBytes) : 0;
        return new long[] {resident, visit, dequant};
    }

    /** The DiT options this planner counts with. */
    public DitOptions ditOptions() {
        return ditOptions;
    }

    /** DiT (+ connector) bytes resident on the device. */
    public long ditResidentBytes() {
        return ditBytes;
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

    /**
     * Extra bytes of one row when unmerged adapters are in use: the gathered input and the low-rank branch's output
     * of the widest targeted layer (linear1: 3·hidden + mlp), at its peak.
     */
    public long adapterRowBytes(BucketKey bucket) {
        if (ditOptions.adapterCacheBytes() == 0) {
            return 0;
        }
        long target = (long) (bucket.height() / 16) * (bucket.width() / 16);
        long tokens = TEXT_TOKENS + 2 * target;
        return tokens * (4L * dit.hiddenSize() + dit.mlpHiddenDim()) * elementBytes;
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
        long resident = residentBytes();
        long denoiseFixed = denoiseFixedBytes();
        long fixed = Math.max(Math.max(vaeBytes(bucket), encodingBytes()), denoiseFixed);
        long perRequest = 2 * (ditRowBytes(bucket) + adapterRowBytes(bucket));
        long forRows = budgetBytes - resident - denoiseFixed;
        boolean stagesFit = resident + fixed <= budgetBytes;
        int max = !stagesFit || forRows <= 0 ? 0 : (int) Math.min(Integer.MAX_VALUE, forRows / perRequest);
        return new Plan(resident, fixed, perRequest, budgetBytes, max);
    }

    private long residentBytes() {
        return ditBytes + vaeWeightBytes + (qwenOffload ? 0 : qwenWeightBytes) + ditOptions.adapterCacheBytes();
    }

    private long encodingBytes() {
        return qwenPeakBytes + (qwenOffload ? qwenWeightBytes : 0);
    }

    /** Beside the batch rows while denoising: one score block, an offloaded block visiting, an FP8 decode. */
    private long denoiseFixedBytes() {
        return scoreBytes + ditVisitBytes + ditDequantBytes;
    }

    /**
     * The estimated peak device memory of a batch of {@code requests} of {@code bucket}: the resident weights
     * plus the largest of the stages (encoding, VAE decode, denoising with its rows). What the official figures
     * (peak memory of one edit) compare with.
     */
    public long peakBytes(BucketKey bucket, int requests) {
        long denoise = denoiseFixedBytes() + (long) requests * 2 * (ditRowBytes(bucket) + adapterRowBytes(bucket));
        return residentBytes() + Math.max(Math.max(vaeBytes(bucket), encodingBytes()), denoise);
    }
}
