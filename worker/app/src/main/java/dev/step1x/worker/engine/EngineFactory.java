package dev.step1x.worker.engine;

import dev.step1x.engine.pipeline.EditEngine;
import dev.step1x.engine.runtime.EngineRuntime;
import dev.step1x.worker.config.WorkerProperties;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens the engine {@code worker.engine.mode} asks for. {@code model} calls
 * {@code dev.step1x.engine.pipeline.Step1XEditPipeline.open(Path, EngineRuntime.Options)}, looked up
 * reflectively so the worker builds while the pipeline is still being written; {@code auto} uses the
 * model when {@code model-dir} is set and the pipeline class exists, else the simulated engine.
 */
public final class EngineFactory {

    private static final Logger log = LoggerFactory.getLogger(EngineFactory.class);
    static final String PIPELINE_CLASS = "dev.step1x.engine.pipeline.Step1XEditPipeline";

    /** The opened engine and whether it is the stand-in. */
    public record Opened(EditEngine engine, boolean simulated) {}

    private EngineFactory() {}

    public static Opened open(WorkerProperties.Engine cfg) {
        String mode = cfg.getMode() == null ? "simulated" : cfg.getMode().trim().toLowerCase(Locale.ROOT);
        switch (mode) {
            case "simulated":
                return simulated(cfg);
            case "model":
                return new Opened(openModel(cfg), false);
            case "auto":
                if (cfg.getModelDir() != null && !cfg.getModelDir().isBlank()
                        && Files.isDirectory(Path.of(cfg.getModelDir())) && pipelineAvailable()) {
                    return new Opened(openModel(cfg), false);
                }
                log.warn("worker.engine.mode=auto: no usable model directory or no {} on the classpath; "
                        + "using the SIMULATED engine (outputs are colour-inverted inputs, not model edits)",
                        PIPELINE_CLASS);
                return simulated(cfg);
            default:
                throw new IllegalArgumentException("worker.engine.mode must be simulated, model or auto, got '"
                        + cfg.getMode() + "'");
        }
    }

    private static Opened simulated(WorkerProperties.Engine cfg) {
        WorkerProperties.Simulated s = cfg.getSimulated();
        return new Opened(new SimulatedEditEngine(s.getBase(), s.getPerRow(), s.getDeviceMemoryPixels(),
                s.getPlannerOptimism()), true);
    }

    static boolean pipelineAvailable() {
        try {
            Class.forName(PIPELINE_CLASS, false, EngineFactory.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException e) {
            return false;
        }
    }

    private static EditEngine openModel(WorkerProperties.Engine cfg) {
        if (cfg.getModelDir() == null || cfg.getModelDir().isBlank()) {
            throw new IllegalArgumentException("worker.engine.mode=model needs worker.engine.model-dir");
        }
        Path dir = Path.of(cfg.getModelDir());
        EngineRuntime.Options options = new EngineRuntime.Options(cfg.getDevice(),
                cfg.getCacheDir() == null || cfg.getCacheDir().isBlank() ? null : Path.of(cfg.getCacheDir()),
                cfg.getNumThreads(), cfg.getDtype(), cfg.isQwenOffload());
        try {
            Class<?> pipeline = Class.forName(PIPELINE_CLASS, true, EngineFactory.class.getClassLoader());
            Method open = pipeline.getMethod("open", Path.class, EngineRuntime.Options.class);
            Object engine = open.invoke(null, dir, options);
            return (EditEngine) engine;
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException(PIPELINE_CLASS + " is not on the classpath (the engine build has no "
                    + "pipeline yet); use worker.engine.mode=simulated", e);
        } catch (NoSuchMethodException | IllegalAccessException | ClassCastException e) {
            throw new IllegalStateException(PIPELINE_CLASS + ".open(Path, EngineRuntime.Options) returning "
                    + "EditEngine was expected: " + e, e);
        } catch (InvocationTargetException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException("cannot open the model in " + dir + ": " + cause, cause);
        }
    }
}
