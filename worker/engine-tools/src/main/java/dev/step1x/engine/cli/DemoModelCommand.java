package dev.step1x.engine.cli;

import dev.step1x.engine.ModelVersion;
import dev.step1x.engine.pipeline.DemoModel;
import dev.step1x.engine.pipeline.ModelDirectory;
import dev.step1x.engine.runtime.EngineRuntime;
import dev.step1x.engine.tokenizer.TestTokenizer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code step1x-edit demo-model}: a tiny model directory in the official layout, random weights. */
@Command(name = "demo-model", sortOptions = false,
        header = "Write a tiny demo model in the official layout (random weights: meaningless pictures).",
        description = {"Write a demo model in the official layout: random weights keyed like the real files and the",
            "real Qwen tokenizer. Edits run through every stage of the real model; the pictures are meaningless."})
final class DemoModelCommand implements Callable<Integer> {

    /** {@code --size}. */
    enum Size { tiny, small }

    @ParentCommand
    Step1xEditCli cli;

    @Spec
    CommandSpec spec;

    @Option(names = "--out", paramLabel = "DIR", required = true, description = "Where to write it.")
    Path out;

    @Option(names = "--tokenizer", paramLabel = "FILE",
            description = "Qwen tokenizer.json (default: the one bin/fetch-qwen-tokenizer installs).")
    Path tokenizer;

    @Option(names = "--size", paramLabel = "tiny|small", defaultValue = "tiny",
            description = "tiny = the parity configuration, small = the bench's (default: ${DEFAULT-VALUE}).")
    Size size;

    @Mixin
    CommonOptions common;

    @Override
    public Integer call() throws IOException {
        EngineRuntime.Options options = common.options(spec, false);
        Path tok = tokenizer != null ? tokenizer : TestTokenizer.path();
        EngineRuntime rt = EngineRuntime.start(options);
        long start = System.nanoTime();
        ModelDirectory model = DemoModel.write(rt, out, tok, size == Size.small ? DemoModel.Size.SMALL : DemoModel.Size.TINY);
        cli.out.printf(Locale.ROOT, "demo model written to %s in %.1f s (versions %s)%n", model.root(),
                (System.nanoTime() - start) / 1e9, model.ditFiles().keySet().stream().map(ModelVersion::label).toList());
        cli.out.println("its weights are random: edits run through every stage of the real model but the pictures are meaningless");
        return Step1xEditCli.OK;
    }
}
