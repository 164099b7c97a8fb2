package dev.step1x.engine.cli;

import ai.djl.ndarray.types.DataType;
import dev.step1x.engine.ModelVersion;
import dev.step1x.engine.pipeline.SizingTable;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code step1x-edit sizing}: requests per batch on common GPUs from the memory planner at the official shapes
 * (no engine start, nothing loaded), and the planner's peak estimate next to the official figures.
 */
@Command(name = "sizing", sortOptions = false, mixinStandardHelpOptions = false,
        header = "Requests per batch on 24-141 GB GPUs, from the memory planner at the official shapes.",
        description = {
            "Per GPU memory size and size level, how many requests of one bucket a batch holds (the cap the worker",
            "applies), for the DiT in float16 or FP8, resident or with its blocks offloaded, Qwen resident or",
            "offloaded; then the planner's peak estimate for one request next to the official H800 figures.",
            "An estimate until calibrated on a GPU (the worker halves a batch that still runs out of memory).", ""})
final class SizingCommand implements Callable<Integer> {

    @ParentCommand
    Step1xEditCli cli;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
    boolean help;

    @Option(names = "--version", paramLabel = "v1.1|v1.0", defaultValue = "v1.1",
            converter = CommonOptions.VersionConverter.class, description = "Model version (default: ${DEFAULT-VALUE}).")
    ModelVersion version;

    @Option(names = "--steps", paramLabel = "N", defaultValue = "28", description = "Steps (default: ${DEFAULT-VALUE}).")
    int steps;

    @Override
    public Integer call() {
        cli.out.println(SizingTable.markdownAllVariants(version, DataType.FLOAT16, steps));
        cli.out.println();
        cli.out.println(SizingTable.officialComparisonMarkdown(version));
        return Step1xEditCli.OK;
    }
}
