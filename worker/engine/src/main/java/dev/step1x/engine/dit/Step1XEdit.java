// Port of stepfun-ai/Step1X-Edit modules/model_edit.py @ 570eba6 (Step1XEdit).
// Keys: img_in, time_in, vector_in, txt_in, double_blocks.{i}, single_blocks.{i}, final_layer, connector.*
package dev.step1x.engine.dit;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.step1x.engine.InvalidConfigException;
import dev.step1x.engine.ModelVersion;
import dev.step1x.engine.Tap;
import dev.step1x.engine.connector.Qwen2Connector;
import dev.step1x.engine.connector.Qwen2ConnectorConfig;
import dev.step1x.engine.lora.AdapterSlot;
import dev.step1x.engine.lora.LoraTargets;
import dev.step1x.engine.lora.RowAdapters;
import dev.step1x.engine.nn.Attention;
import dev.step1x.engine.nn.Linear;
import dev.step1x.engine.nn.LoadedParams;
import dev.step1x.engine.nn.Params;
import dev.step1x.engine.nn.Scoped;
import dev.step1x.engine.nn.Timesteps;
import dev.step1x.engine.runtime.EngineRuntime;
import dev.step1x.engine.weights.Checkpoint;
import dev.step1x.engine.weights.StrictLoader;
import dev.step1x.engine.weights.WeightSpec;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

/**
 * The Step1X-Edit DiT (FLUX.1 architecture without guidance embedding) together with its
 * {@code connector}; one checkpoint file ({@code step1x-edit-i1258.safetensors} for v1.0,
 * {@code step1x-edit-v1p1-official.safetensors} for v1.1) holds both, without key prefix.
 */
public final class Step1XEdit {

    /** Width of the sinusoidal timestep features fed to {@code time_in}. */
    public static final int TIMESTEP_EMBEDDING_DIM = 256;
    /** {@code timestep_embedding}'s time_factor: t in [0, 1] becomes 0..1000. */
    static final float TIME_FACTOR = 1000f;
    static final double MAX_PERIOD = 10000;

    private final Step1XParams params;
    private final Linear imgIn;
    private final MLPEmbedder timeIn;
    private final MLPEmbedder vectorIn;
    private final Linear txtIn;
    private final DoubleStreamBlock[] doubleBlocks;
    private final SingleStreamBlock[] singleBlocks;
    private final LastLayer finalLayer;
    private final Qwen2Connector connector;
    private final EmbedND peEmbedder;
    /** The unmerged LoRA adapters of the forward in progress (nothing bound: plain forward). */
    private final AdapterSlot adapters = new AdapterSlot();
    /** Offload: the blocks' weights in host memory, visiting the device one block at a time; else null. */
    private final DitWeights offloaded;
    private long offloadCopyNanos;
    private long offloadCopies;
    /** -1: sized per call by {@link Attention#queryChunkFor} from {@link #maxScoreBytes}; 0: unchunked; else queries per block. */
    private int attentionQueryChunk = -1;
    private long maxScoreBytes = Attention.DEFAULT_SCORE_BYTES;

    /** Builds the tree on {@code p}: recording a spec, or taking loaded tensors. */
    public Step1XEdit(Params p, Step1XParams params, Qwen2ConnectorConfig connectorConfig, ModelVersion version) {
        this(p, params, connectorConfig, version, null);
    }

    /** The DiT over {@code weights} (resident, or with its blocks offloaded as the weights were loaded). */
    public Step1XEdit(DitWeights weights, Step1XParams params, Qwen2ConnectorConfig connectorConfig,
            ModelVersion version) {
        this(weights.residentParams(), params, connectorConfig, version, weights.offloaded() ? weights : null);
    }

    private Step1XEdit(Params root, Step1XParams params, Qwen2ConnectorConfig connectorConfig, ModelVersion version,
            DitWeights offloaded) {
        validate(params, connectorConfig);
        this.params = params;
        this.offloaded = offloaded;
        Params p = adapters.params(root);
        imgIn = new Linear(p.child("img_in"), params.inChannels(), params.hiddenSize(), true);
        timeIn = new MLPEmbedder(p.child("time_in"), TIMESTEP_EMBEDDING_DIM, params.hiddenSize());
        vectorIn = new MLPEmbedder(p.child("vector_in"), params.vecInDim(), params.hiddenSize());
        txtIn = new Linear(p.child("txt_in"), params.contextInDim(), params.hiddenSize(), true);
        doubleBlocks = new DoubleStreamBlock[params.depth()];
        singleBlocks = new SingleStreamBlock[params.depthSingleBlocks()];
        if (offloaded == null) {
            for (int i = 0; i < doubleBlocks.length; i++) {
                doubleBlocks[i] = new DoubleStreamBlock(p.child("double_blocks").child(i), params);
            }
            for (int i = 0; i < singleBlocks.length; i++) {
                singleBlocks[i] = new SingleStreamBlock(p.child("single_blocks").child(i), params);
            }
        }
        finalLayer = new LastLayer(p.child("final_layer"), params.hiddenSize(), 1, params.outChannels());
        connector = new Qwen2Connector(p.child(Qwen2Connector.KEY_PREFIX), connectorConfig, version);
        peEmbedder = new EmbedND(params.theta(), params.axesDim().stream().mapToInt(Integer::intValue).toArray());
    }

    /** Every tensor of a DiT checkpoint (connector included), with its exact shape, in module order. */
    public static WeightSpec weightSpec(Step1XParams params, Qwen2ConnectorConfig connector, ModelVersion version) {
        WeightSpec.Builder b = WeightSpec.builder();
        new Step1XEdit(b, params, connector, version);
        return b.build();
    }

    /** Strictly loads a DiT checkpoint (any float dtype, computed as {@code dtype}) and builds the model. */
    public static Step1XEdit load(NDManager manager, Path checkpoint, Step1XParams params,
            Qwen2ConnectorConfig connector, ModelVersion version, DataType dtype) throws IOException {
        WeightSpec spec = weightSpec(params, connector, version);
        try (Checkpoint ckpt = Checkpoint.open(checkpoint)) {
            Map<String, NDArray> tensors = StrictLoader.loadAll(manager, spec, ckpt, dtype, Set.of());
            return new Step1XEdit(new LoadedParams(tensors), params, connector, version);
        }
    }

    /**
     * Strictly loads a DiT checkpoint as {@code options} asks (LoRA merged, FP8 weights, blocks offloaded; see
     * {@link DitOptions}), computing in {@code dtype}.
     */
    public static Step1XEdit load(NDManager manager, Path checkpoint, Step1XParams params,
            Qwen2ConnectorConfig connector, ModelVersion version, DataType dtype, DitOptions options)
            throws IOException {
        return new Step1XEdit(loadWeights(manager, checkpoint, params, connector, version, dtype, options), params,
                connector, version);
    }

    /** The tensors {@link #load(NDManager, Path, Step1XParams, Qwen2ConnectorConfig, ModelVersion, DataType, DitOptions)} builds on. */
    public static DitWeights loadWeights(NDManager manager, Path checkpoint, Step1XParams params,
            Qwen2ConnectorConfig connector, ModelVersion version, DataType dtype, DitOptions options)
            throws IOException {
        WeightSpec spec = weightSpec(params, connector, version);
        try (Checkpoint ckpt = Checkpoint.open(checkpoint)) {
            return DitWeights.load(manager, ckpt, spec, dtype, options);
        }
    }

    /** The layers a LoRA may target in a DiT of these shapes (the same for v1.0 and v1.1). */
    public static LoraTargets loraTargets(Step1XParams params, Qwen2ConnectorConfig connector) {
        return LoraTargets.of(weightSpec(params, connector, ModelVersion.V1_1));
    }

    /**
     * Checks that the connector's outputs fit the DiT's inputs: its token width is
     * {@code context_in_dim} and its pooled vector (768 wide, hard-coded) is {@code vec_in_dim}.
     */
    public static void validate(Step1XParams p, Qwen2ConnectorConfig connector) {
        if (p.vecInDim() != Qwen2ConnectorConfig.GLOBAL_PROJ_OUT_FEATURES) {
            throw new InvalidConfigException("vec_in_dim", p.vecInDim() + " must equal the connector's global_proj_out width "
                    + Qwen2ConnectorConfig.GLOBAL_PROJ_OUT_FEATURES);
        }
        if (p.contextInDim() != connector.hiddenSize()) {
            throw new InvalidConfigException("context_in_dim", p.contextInDim()
                    + " must equal the connector's hidden_size " + connector.hiddenSize());
        }
    }

    public Step1XParams params() {
        return params;
    }

    /**
     * Queries per attention block: 0 = all at once, -1 (default) = as many as keep a score block within
     * {@link #setMaxScoreBytes} (default {@link Attention#DEFAULT_SCORE_BYTES}). Bounds the score memory; results equal the unchunked ones.
     */
    public void setAttentionQueryChunk(int queries) {
        if (queries < -1) {
            throw new IllegalArgumentException("attention query chunk must be >= -1, got " + queries);
        }
        this.attentionQueryChunk = queries;
    }

    /** Bound on one attention score block (float32 scores) when the chunk is sized per call; see {@link EngineRuntime}. */
    public void setMaxScoreBytes(long bytes) {
        if (bytes <= 0) {
            throw new IllegalArgumentException("score bytes must be positive, got " + bytes);
        }
        this.maxScoreBytes = bytes;
    }

    private int queryChunk(NDArray img, NDArray llmEmbedding) {
        if (attentionQueryChunk >= 0) {
            return attentionQueryChunk;
        }
        long tokens = img.getShape().get(1) + llmEmbedding.getShape().get(1);
        return Attention.queryChunkFor(img.getShape().get(0), params.numHeads(), tokens, maxScoreBytes);
    }

    /** The rotary tables for {@code ids = cat(txt_ids, img_ids)} [B, L, 3]; constant over a sampling run. */
    public EmbedND.Rope rope(NDArray txtIds, NDArray imgIds) {
        return peEmbedder.forward(txtIds.concat(imgIds, 1));
    }

    /**
     * One forward pass.
     *
     * @param img packed image tokens [B, Li, in_channels] (target then reference tokens)
     * @param pe {@link #rope} of the text and image ids
     * @param timesteps [B] in [0, 1]
     * @param llmEmbedding MLLM hidden states [B, Lt, connector in_channels]
     * @param tVec the connector's timestep [B] (the pipeline passes the same tensor as timesteps)
     * @param mask [B, Lt] 0/1
     * @param tap shown (request {@link Tap#BATCH}) {@code connector.txt}, {@code connector.y}, {@code img_in},
     *     {@code time_in}, {@code txt_in}, {@code double_blocks.<i>.img}, {@code double_blocks.<i>.txt},
     *     {@code single_blocks.<i>.out}, {@code final_layer.in.img}, {@code final_layer.in.vec} (the golden sets'
     *     {@code mid.*} tensors); {@link Tap#NONE} in production
     * @return velocity for every image token [B, Li, out_channels], float32 whatever the compute type
     */
    public NDArray forward(NDArray img, EmbedND.Rope pe, NDArray timesteps, NDArray llmEmbedding, NDArray tVec,
            NDArray mask, Tap tap) {
        return forward(img, pe, timesteps, llmEmbedding, tVec, mask, RowAdapters.none(), tap);
    }

    /**
     * One forward pass with unmerged LoRA adapters on some rows ({@link RowAdapters}: per batch row an adapter and
     * multiplier, or none); the other arguments as {@link #forward(NDArray, EmbedND.Rope, NDArray, NDArray, NDArray,
     * NDArray, Tap)}.
     */
    public NDArray forward(NDArray img, EmbedND.Rope pe, NDArray timesteps, NDArray llmEmbedding, NDArray tVec,
            NDArray mask, RowAdapters rowAdapters, Tap tap) {
        Tap.require(tap);
        if (rowAdapters.isNone()) {
            return compute(img, pe, timesteps, llmEmbedding, tVec, mask, tap);
        }
        return Scoped.run(() -> {
            adapters.bind(rowAdapters.bind(img.getManager(), img.getShape().get(0), dataType()));
            try {
                return compute(img, pe, timesteps, llmEmbedding, tVec, mask, tap);
            } finally {
                adapters.clear();
            }
        });
    }

    private NDArray compute(NDArray img, EmbedND.Rope pe, NDArray timesteps, NDArray llmEmbedding, NDArray tVec,
            NDArray mask, Tap tap) {
        int chunk = queryChunk(img, llmEmbedding);
        DataType type = dataType();
        return Scoped.run(() -> {
            // Latents arrive in float32; the blocks (and the connector) compute in the weights' type.
            Qwen2Connector.Output c = connector.forward(llmEmbedding, tVec, mask);
            NDArray x = imgIn.forward(cast(img, type));
            NDArray timeEmb = timeIn.forward(cast(Timesteps.sinusoidal(timesteps.mul(TIME_FACTOR),
                    TIMESTEP_EMBEDDING_DIM, MAX_PERIOD), type));
            NDArray vec = timeEmb.add(vectorIn.forward(c.y()));
            NDArray txt = txtIn.forward(c.txt());
            tap.tensor("connector.txt", Tap.BATCH, c.txt());
            tap.tensor("connector.y", Tap.BATCH, c.y());
            tap.tensor("img_in", Tap.BATCH, x);
            tap.tensor("time_in", Tap.BATCH, timeEmb);
            tap.tensor("txt_in", Tap.BATCH, txt);
            for (int i = 0; i < doubleBlocks.length; i++) {
                NDArray[] out = offloaded == null ? doubleBlocks[i].forward(x, txt, vec, pe, chunk)
                        : visitDouble(i, x, txt, vec, pe, chunk);
                x = out[0];
                txt = out[1];
                tap.tensor("double_blocks." + i + ".img", Tap.BATCH, x);
                tap.tensor("double_blocks." + i + ".txt", Tap.BATCH, txt);
            }
            long lt = txt.getShape().get(1);
            NDArray joint = txt.concat(x, 1);
            for (int i = 0; i < singleBlocks.length; i++) {
                joint = offloaded == null ? singleBlocks[i].forward(joint, vec, pe, chunk)
                        : visitSingle(i, joint, vec, pe, chunk);
                tap.tensor("single_blocks." + i + ".out", Tap.BATCH, joint);
            }
            NDArray imgTokens = joint.get(":, {}:", lt);
            tap.tensor("final_layer.in.img", Tap.BATCH, imgTokens);
            tap.tensor("final_layer.in.vec", Tap.BATCH, vec);
            return cast(finalLayer.forward(imgTokens, vec), DataType.FLOAT32);
        });
    }

    /**
     * Offload: copies block {@code i}'s weights to the device, runs it, frees them. DJL 0.36 exposes neither CUDA
     * streams nor pinned host memory or non-blocking copies, so the copy of the next block cannot overlap this
     * block's kernels: copies and compute alternate.
     */
    private NDArray[] visitDouble(int i, NDArray x, NDArray txt, NDArray vec, EmbedND.Rope pe, int chunk) {
        try (NDManager visit = x.getManager().newSubManager()) {
            Params p = visitParams(visit, "double_blocks." + i + ".");
            return new DoubleStreamBlock(p.child("double_blocks").child(i), params).forward(x, txt, vec, pe, chunk);
        }
    }

    private NDArray visitSingle(int i, NDArray x, NDArray vec, EmbedND.Rope pe, int chunk) {
        try (NDManager visit = x.getManager().newSubManager()) {
            Params p = visitParams(visit, "single_blocks." + i + ".");
            return new SingleStreamBlock(p.child("single_blocks").child(i), params).forward(x, vec, pe, chunk);
        }
    }

    private Params visitParams(NDManager visit, String prefix) {
        long start = System.nanoTime();
        LoadedParams copies = offloaded.visit(visit, prefix);
        offloadCopyNanos += System.nanoTime() - start;
        offloadCopies++;
        return adapters.params(copies);
    }

    /** Whether the blocks live in host memory and visit the device per forward. */
    public boolean isOffloaded() {
        return offloaded != null;
    }

    /** Offload: total wall time spent copying blocks to the device, and the number of block copies, so far. */
    public long[] offloadCopyStats() {
        return new long[] {offloadCopyNanos, offloadCopies};
    }

    /** The type the DiT computes in (its weights' type): FLOAT32, or FLOAT16 with clamped residual streams. */
    public DataType dataType() {
        return imgIn.dataType();
    }

    private static NDArray cast(NDArray x, DataType type) {
        return x.getDataType() == type ? x : x.toType(type, false);
    }

    /** Convenience: computes the rotary tables from the ids, then {@link #forward(NDArray, EmbedND.Rope, ...)}. */
    public NDArray forward(NDArray img, NDArray imgIds, NDArray txtIds, NDArray timesteps, NDArray llmEmbedding,
            NDArray tVec, NDArray mask) {
        return Scoped.run(() -> forward(img, rope(txtIds, imgIds), timesteps, llmEmbedding, tVec, mask, Tap.NONE));
    }
}
