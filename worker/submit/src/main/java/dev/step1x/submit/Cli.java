package dev.step1x.submit;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * picocli set-up shared by the worker's command-line tools: a usage error prints one clear line (plus
 * suggestions for a mistyped option) and a pointer to {@code --help}, and exits 2; any other failure prints
 * one line and exits 1.
 */
final class Cli {

    static final int USAGE = 2;
    static final int FAILURE = 1;

    private Cli() {}

    static CommandLine command(Object command, String name) {
        CommandLine cmd = new CommandLine(command);
        cmd.setCaseInsensitiveEnumValuesAllowed(true);
        cmd.setParameterExceptionHandler((ParameterException e, String[] args) -> {
            PrintWriter err = e.getCommandLine().getErr();
            err.println(name + ": " + e.getMessage());
            UnmatchedArgumentException.printSuggestions(e, err);
            err.println("Run 'bin/" + name + " --help' for the options.");
            err.flush();
            return USAGE;
        });
        cmd.setExecutionExceptionHandler((Exception e, CommandLine c, CommandLine.ParseResult parsed) -> {
            PrintWriter err = c.getErr();
            err.println(name + ": " + describe(e));
            err.flush();
            return FAILURE;
        });
        return cmd;
    }

    /** The exception and its causes in one line, without repeating messages. */
    static String describe(Throwable e) {
        StringBuilder b = new StringBuilder(String.valueOf(e.getMessage() != null ? e.getMessage() : e.toString()));
        for (Throwable c = e.getCause(); c != null && c != c.getCause(); c = c.getCause()) {
            String m = c.getMessage() != null ? c.getMessage() : c.getClass().getSimpleName();
            if (!b.toString().contains(m)) {
                b.append(": ").append(m);
            }
        }
        return b.toString();
    }
}
