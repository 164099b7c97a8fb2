package dev.step1x.engine.cli;

import dev.step1x.engine.runtime.EngineUnavailableException;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * {@code step1x-edit <command> [options]}: the engine's command line (see {@code bin/step1x-edit} and
 * {@code docs/cli.md}). Exit codes: 0 success, 1 a check or the command failed, 2 bad usage or input,
 * 3 the engine or device is unavailable.
 */
@Command(name = "step1x-edit",
        description = "Step1X-Edit on DJL/PyTorch: edit images, write a demo model, check parity, benchmark.",
        synopsisSubcommandLabel = "COMMAND",
        subcommands = {EditCommand.class, DemoModelCommand.class, ParityCommand.class, BenchCommand.class, SizingCommand.class,
            InfoCommand.class, CommandLine.HelpCommand.class},
        commandListHeading = "%nCommands:%n",
        footerHeading = "%n",
        footer = {"Every command takes --help. Common options of the commands that start the engine:",
            "  --device cpu|gpu|gpu:N  --djl-cache DIR  --threads N  --dtype auto|fp32|fp16",
            "  --fused-ops auto|fused|composed",
            "  (--qwen-offload on edit and bench)", "",
            "Exit codes: 0 success, 1 a check or the command failed (edit: an image failed),",
            "            2 bad usage or input, 3 the engine or device is unavailable."})
public final class Step1xEditCli implements Callable<Integer> {

    /** Exit codes. */
    static final int OK = 0;
    static final int FAILED = 1;
    static final int USAGE = 2;
    static final int UNAVAILABLE = 3;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
    boolean help;

    @Spec
    CommandSpec spec;

    final PrintStream out;
    final PrintStream err;

    Step1xEditCli(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    /** No command: the usage, on stderr, and exit 2. */
    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return USAGE;
    }

    public static void main(String[] args) {
        System.exit(run(List.of(args), System.out, System.err));
    }

    /** Runs a command and returns its exit code (never calls System.exit, so tests can call it). */
    public static int run(List<String> args, PrintStream out, PrintStream err) {
        CommandLine cli = commandLine(out, err);
        try {
            return cli.execute(args.toArray(String[]::new));
        } finally {
            cli.getOut().flush();
            cli.getErr().flush();
            out.flush();
            err.flush();
        }
    }

    static CommandLine commandLine(PrintStream out, PrintStream err) {
        CommandLine cli = new CommandLine(new Step1xEditCli(out, err));
        cli.setOut(new PrintWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8), true));
        cli.setErr(new PrintWriter(new OutputStreamWriter(err, StandardCharsets.UTF_8), true));
        cli.setCaseInsensitiveEnumValuesAllowed(true);
        cli.setUsageHelpWidth(110);
        cli.setParameterExceptionHandler(Step1xEditCli::usageError);
        cli.setExecutionExceptionHandler((e, cmd, parsed) -> failure(e, cmd));
        return cli;
    }

    /** A parse or validation error: the message, the command's synopsis and where to read more; exit 2. */
    private static int usageError(ParameterException e, String[] args) {
        CommandLine cmd = e.getCommandLine();
        PrintWriter err = cmd.getErr();
        String message = e.getMessage();
        if (cmd.getParent() == null && e instanceof UnmatchedArgumentException u && !u.getUnmatched().isEmpty()
                && !u.getUnmatched().get(0).startsWith("-")) {
            message = "unknown command '" + u.getUnmatched().get(0) + "'";
        }
        err.println("step1x-edit: " + message);
        UnmatchedArgumentException.printSuggestions(e, err);
        err.print(cmd.getHelp().fullSynopsis());
        err.printf("Try '%s --help' for more information.%n", cmd.getCommandSpec().qualifiedName());
        err.flush();
        return USAGE;
    }

    /** An exception out of a command: its exit code and a one-line message. */
    private static int failure(Exception e, CommandLine cmd) {
        PrintWriter err = cmd.getErr();
        int code;
        if (e instanceof InputException) {
            err.println("step1x-edit: " + e.getMessage());
            code = USAGE;
        } else if (e instanceof EngineUnavailableException) {
            err.println("step1x-edit: " + e.getMessage());
            code = UNAVAILABLE;
        } else {
            err.println("step1x-edit: " + cmd.getCommandName() + " failed: " + e);
            code = FAILED;
        }
        err.flush();
        return code;
    }

    /** Bad input found after parsing (a missing file, a broken model directory): message only, exit 2. */
    static final class InputException extends RuntimeException {
        InputException(String message) {
            super(message);
        }

        InputException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
