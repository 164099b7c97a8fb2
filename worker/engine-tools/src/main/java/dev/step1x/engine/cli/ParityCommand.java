package dev.step1x.engine.cli;

import dev.step1x.engine.parity.ParityComponents;
import dev.step1x.engine.parity.ParityPaths;
import dev.step1x.engine.parity.ParityRunner;
import dev.step1x.engine.runtime.EngineRuntime;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code step1x-edit parity}: the golden parity sets as a table. */
@Command(name = "parity", sortOptions = false,
        header = "Run the golden parity sets against the official PyTorch code's tensors and print a table.",
        description = {"Run the golden parity sets (tensors of the official PyTorch code at tiny sizes) and print a",
            "table: case, tensor, max abs diff, tolerance, status. Exit 1 if a case fails."})
final class ParityCommand implements Callable<Integer> {

    @ParentCommand
    Step1xEditCli cli;

    @Spec
    CommandSpec spec;

    @Option(names = "--dir", paramLabel = "DIR",
            description = "Parity directory (default: worker/engine/parity of this repository, or "
                    + "$STEP1X_PARITY_DIR when set).")
    Path dir;

    @Option(names = "--cases", paramLabel = "CASE", split = ",",
            description = "Only these cases (default: every case and the weight checks). With --dtype fp16 (or "
                    + "auto on a GPU) the float16 tolerances apply.")
    List<String> cases = List.of();

    @Option(names = "--strict", description = "Also fail when a case is NOT IMPLEMENTED.")
    boolean strict;

    @Mixin
    CommonOptions common;

    @Override
    public Integer call() throws IOException {
        EngineRuntime.Options options = common.options(spec, false);
        Path parityDir = dir != null ? dir : ParityPaths.defaultParityDir();
        if (!Files.isDirectory(parityDir)) {
            throw new Step1xEditCli.InputException("parity directory " + parityDir + " does not exist (use --dir)");
        }
        Set<String> only = new LinkedHashSet<>();
        for (String c : cases) {
            if (!c.isBlank()) {
                only.add(c.trim());
            }
        }
        EngineRuntime rt = EngineRuntime.start(options);
        cli.out.println("parity sets in " + parityDir.toAbsolutePath().normalize() + "; " + rt.describe());
        ParityRunner.Report report;
        try {
            report = new ParityRunner(rt, ParityComponents.registered(), rt.precision()).run(parityDir, only);
        } catch (IllegalArgumentException e) {
            throw CommonOptions.usage(spec, "--cases: " + e.getMessage());
        }
        report.print(cli.out);
        boolean fail = report.failed() || (strict && report.count(ParityRunner.Status.NOT_IMPLEMENTED) > 0);
        return fail ? Step1xEditCli.FAILED : Step1xEditCli.OK;
    }
}
