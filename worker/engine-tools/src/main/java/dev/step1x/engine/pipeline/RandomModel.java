package dev.step1x.engine.pipeline;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.step1x.engine.ModelVersion;
import dev.step1x.engine.conditioner.MllmEncoder;
import dev.step1x.engine.conditioner.QwenMllmEncoder;
import dev.step1x.engine.connector.Qwen2ConnectorConfig;
import dev.step1x.engine.dit.DitOptions;
import dev.step1x.engine.dit.RandomDitWeights;
import dev.step1x.engine.dit.Step1XEdit;
import dev.step1x.engine.lora.RandomLoraAdapter;
import dev.step1x.engine.dit.Step1XParams;
import dev.step1x.engine.mllm.qwen25vl.Qwen25VLConfig;
import dev.step1x.engine.mllm.qwen25vl.Qwen25VLModel;
import dev.step1x.engine.nn.RandomParams;
import dev.step1x.engine.runtime.EngineRuntime;
import dev.step1x.engine.vae.AutoEncoder;
import dev.step1x.engine.vae.AutoEncoderParams;
import dev.step1x.engine.weights.WeightSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The whole pipeline on random weights of the official shapes (12B DiT + connector, Qwen2.5-VL-7B, the
 * FLUX VAE), built in memory on the runtime's device: speed and memory of the real model without
 * downloading it. The pictures are noise. Only the tokenizer is real (it decides the token counts).
 */
public final class RandomModel {

    /** Stands for the files a random model does not have (never opened). */
    static final Path NO_FILES = Path.of("(random weights)");

    private RandomModel() {}

    /** The configs of the released model: {@link Step1XParams#official()} and friends. */
    public record Configs(Step1XParams dit, Qwen2ConnectorConfig connector, AutoEncoderParams ae, Qwen25VLConfig qwen) {

        public static Configs official() {
            return new Configs(Step1XParams.official(), Qwen2ConnectorConfig.official(), AutoEncoderParams.official(),
                    Qwen25VLConfig.qwen25Vl7BInstruct());
        }

        /**
         * The same widths with at most {@code blocks} blocks per stack (DiT double and single blocks, Qwen
         * decoder layers, vision blocks): a smoke test of the full-width shapes on a small machine; its
         * timings are not the model's.
         */
        public Configs withAtMostBlocks(int blocks) {
            if (blocks < 1) {
                throw new IllegalArgumentException("blocks must be >= 1, got " + blocks);
            }
            Step1XParams d = new Step1XParams(dit.inChannels(), dit.outChannels(), dit.vecInDim(), dit.contextInDim(),
                    dit.hiddenSize(), dit.mlpRatio(), dit.numHeads(), Math.min(blocks, dit.depth()),
                    Math.min(blocks, dit.depthSingleBlocks()), dit.axesDim(), dit.theta(), dit.qkvBias());
            Qwen25VLConfig.VisionConfig v = qwen.visionConfig();
            int vDepth = Math.min(blocks, v.depth());
            List<Integer> full = v.fullattBlockIndexes().stream().filter(i -> i < vDepth).toList();
            Qwen25VLConfig.VisionConfig vc = new Qwen25VLConfig.VisionConfig(vDepth, v.hiddenSize(), v.intermediateSize(),
                    v.numHeads(), v.hiddenAct(), v.inChans(), v.outHiddenSize(), v.patchSize(), v.temporalPatchSize(),
                    v.spatialMergeSize(), v.windowSize(), full.isEmpty() ? List.of(vDepth - 1) : full,
                    v.tokensPerSecond());
            Qwen25VLConfig q = qwen;
            Qwen25VLConfig qc = new Qwen25VLConfig(q.vocabSize(), q.hiddenSize(), q.intermediateSize(),
                    Math.min(blocks, q.numHiddenLayers()), q.numAttentionHeads(), q.numKeyValueHeads(), q.hiddenAct(),
                    q.rmsNormEps(), q.ropeTheta(), q.maxPositionEmbeddings(), q.useSlidingWindow(),
                    q.tieWordEmbeddings(), q.bosTokenId(), q.eosTokenId(), q.visionStartTokenId(),
                    q.visionEndTokenId(), q.visionTokenId(), q.imageTokenId(), q.videoTokenId(), q.ropeScaling(), vc);
            return new Configs(d, connector, ae, qc);
        }
    }

    /**
     * A pipeline over random weights of {@code configs} on the runtime's device and precision (VAE float32),
     * both model versions available.
     *
     * @param tokenizerJson the real Qwen {@code tokenizer.json}
     */
    public static Step1XEditPipeline open(EngineRuntime runtime, Configs configs, Path tokenizerJson) throws IOException {
        return open(runtime, configs, tokenizerJson, DitOptions.defaults());
    }

    /**
     * As {@link #open(EngineRuntime, Configs, Path)}, the DiT held as {@code dit} says (FP8 bytes, offloaded blocks,
     * an adapter cache; LoRA files are not merged into random weights).
     */
    public static Step1XEditPipeline open(EngineRuntime runtime, Configs configs, Path tokenizerJson, DitOptions dit)
            throws IOException {
        if (!Files.isRegularFile(tokenizerJson)) {
            throw new IOException("tokenizer " + tokenizerJson + " not found (run bin/fetch-qwen-tokenizer)");
        }
        ModelDirectory shapes = new ModelDirectory(NO_FILES, Map.of(ModelVersion.V1_0, NO_FILES, ModelVersion.V1_1,
                NO_FILES), NO_FILES, NO_FILES, tokenizerJson, configs.dit(), configs.connector(), configs.ae(),
                configs.qwen());
        DataType type = runtime.precision().dataType();
        ModuleSource random = new ModuleSource() {
            @Override
            public AutoEncoder vae(NDManager manager) {
                return new AutoEncoder(new RandomParams(manager, DataType.FLOAT32), configs.ae());
            }

            @Override
            public Step1XEdit dit(NDManager manager, ModelVersion version) {
                if (!dit.fp8() && !dit.offload()) {
                    return new Step1XEdit(new RandomParams(manager, type), configs.dit(), configs.connector(), version);
                }
                return new Step1XEdit(RandomDitWeights.of(manager, Step1XEdit.weightSpec(configs.dit(), configs.connector(),
                        version), type, dit), configs.dit(), configs.connector(), version);
            }

            @Override
            public MllmEncoder mllm(NDManager manager) throws IOException {
                return QwenMllmEncoder.create(runtime, manager, tokenizerJson, configs.qwen(),
                        m -> random(m, Qwen25VLModel.weightSpec(configs.qwen()), type));
            }
        };
        return new Step1XEditPipeline(runtime, shapes, random, dit);
    }

    /**
     * Puts a random LoRA adapter of {@code rank} on every target into {@code pipeline}'s adapter cache under
     * {@code name} (the pipeline needs {@link DitOptions#adapterCacheBytes()} of at least
     * {@link dev.step1x.engine.lora.AdapterCache#bytesForRank}) and returns the reference requests use
     * ({@link EditInput#withAdapter}): for benchmarks of per-request adapters on random weights.
     */
    public static AdapterRef addRandomAdapter(Step1XEditPipeline pipeline, String name, int rank) {
        var cache = pipeline.adapters();
        cache.add(name, m -> RandomLoraAdapter.of(m, name, cache.targets(), rank, cache.dataType()));
        return AdapterRef.of(name);
    }

    /** One random tensor per key of {@code spec} ({@link RandomParams#tensor} rules), as {@code type}. */
    static Map<String, NDArray> random(NDManager manager, WeightSpec spec, DataType type) {
        Map<String, NDArray> out = new LinkedHashMap<>();
        RandomParams params = new RandomParams(manager, type);
        for (Map.Entry<String, long[]> e : spec.shapes().entrySet()) {
            out.put(e.getKey(), params.get(e.getKey(), e.getValue()));
        }
        return out;
    }
}
