package dev.step1x.engine.cli;

import dev.step1x.engine.parity.ParityComponents;
import dev.step1x.engine.parity.ParityPaths;
import dev.step1x.engine.parity.ParityRunner;
import dev.step1x.engine.runtime.EngineBuildInfo;
import dev.step1x.engine.runtime.EngineRuntime;
import dev.step1x.engine.runtime.EngineUnavailableException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;

/**
 * {@code step1x-edit <command> [options]}: the engine's command line (see {@code bin/step1x-edit}).
 * Exit codes: 0 success, 1 a check failed, 2 bad usage, 3 the engine or device is unavailable.
 */
public final class Step1xEditCli {

    static final String USAGE = """
            usage: step1x-edit <command> [options]

            commands:
              parity   run the golden parity sets and print a table (case, tensor, max abs diff, tolerance, status)
                         --dir DIR     parity directory (default: ../shared/parity beside the repository)
                         --strict      also fail when a case is NOT IMPLEMENTED
              bench    ms per component (connector, DiT forward, VAE encode/decode, sampler step) at float32
                         --config tiny|small|all (default all)   --iterations N (default 5)
              info     start the engine and print versions and the device
              help     this text

            common options:
              --device cpu|gpu|gpu:N   compute device (default cpu)
              --djl-cache DIR          where DJL extracts libtorch (default ~/.djl.ai or $DJL_CACHE_DIR)
              --threads N              libtorch intra-op threads
            """;

    private Step1xEditCli() {}

    public static void main(String[] args) {
        System.exit(run(List.of(args), System.out, System.err));
    }

    /** Runs a command and returns its exit code (never calls System.exit, so tests can call it). */
    public static int run(List<String> argList, PrintStream out, PrintStream err) {
        Deque<String> args = new ArrayDeque<>(argList);
        if (args.isEmpty()) {
            err.print(USAGE);
            return 2;
        }
        String command = args.removeFirst();
        String device = "cpu";
        Path cache = null;
        Integer threads = null;
        Path dir = null;
        boolean strict = false;
        String benchConfig = "all";
        int iterations = 5;
        try {
            while (!args.isEmpty()) {
                String a = args.removeFirst();
                switch (a) {
                    case "--device" -> device = value(args, a);
                    case "--djl-cache" -> cache = Path.of(value(args, a));
                    case "--threads" -> threads = parseInt(value(args, a), a);
                    case "--dir" -> dir = Path.of(value(args, a));
                    case "--strict" -> strict = true;
                    case "--config" -> benchConfig = value(args, a);
                    case "--iterations" -> iterations = parseInt(value(args, a), a);
                    default -> throw new UsageException("unknown option '" + a + "'");
                }
            }
            EngineRuntime.parseDevice(device); // reject a bad device before starting anything
            if (!List.of("tiny", "small", "all").contains(benchConfig)) {
                throw new UsageException("--config must be tiny, small or all, got '" + benchConfig + "'");
            }
            if (iterations < 1) {
                throw new UsageException("--iterations must be >= 1, got " + iterations);
            }
        } catch (UsageException | IllegalArgumentException e) {
            err.println("step1x-edit: " + e.getMessage());
            err.print(USAGE);
            return 2;
        }
        EngineRuntime.Options options = new EngineRuntime.Options(device, cache, threads);
        try {
            switch (command) {
                case "help", "--help", "-h" -> {
                    out.print(USAGE);
                    return 0;
                }
                case "info" -> {
                    EngineRuntime rt = EngineRuntime.start(options);
                    out.println(rt.describe());
                    out.println("expects natives " + EngineBuildInfo.current().nativeCoordinates());
                    return 0;
                }
                case "bench" -> {
                    EngineRuntime rt = EngineRuntime.start(options);
                    List<Bench.Config> configs = switch (benchConfig) {
                        case "tiny" -> List.of(Bench.TINY);
                        case "small" -> List.of(Bench.SMALL);
                        default -> List.of(Bench.TINY, Bench.SMALL);
                    };
                    new Bench(rt, iterations, out).run(configs);
                    return 0;
                }
                case "parity" -> {
                    Path parityDir = dir != null ? dir : ParityPaths.defaultParityDir();
                    if (!Files.isDirectory(parityDir)) {
                        err.println("step1x-edit: parity directory " + parityDir + " does not exist (use --dir)");
                        return 2;
                    }
                    EngineRuntime rt = EngineRuntime.start(options);
                    out.println("parity sets in " + parityDir.toAbsolutePath().normalize() + "; " + rt.describe());
                    ParityRunner.Report report = new ParityRunner(rt, ParityComponents.registered()).run(parityDir);
                    report.print(out);
                    boolean fail = report.failed()
                            || (strict && report.count(ParityRunner.Status.NOT_IMPLEMENTED) > 0);
                    return fail ? 1 : 0;
                }
                default -> {
                    err.println("step1x-edit: unknown command '" + command + "'");
                    err.print(USAGE);
                    return 2;
                }
            }
        } catch (EngineUnavailableException e) {
            err.println("step1x-edit: " + e.getMessage());
            return 3;
        } catch (Exception e) {
            err.println("step1x-edit: " + command + " failed: " + e);
            return 1;
        }
    }

    private static String value(Deque<String> args, String option) throws UsageException {
        if (args.isEmpty() || args.peekFirst().startsWith("--")) {
            throw new UsageException(option + " needs a value");
        }
        return args.removeFirst();
    }

    private static int parseInt(String s, String option) throws UsageException {
        try {
            return Integer.parseInt(s);
        } catch (NumberFormatException e) {
            throw new UsageException(option + " needs an integer, got '" + s + "'");
        }
    }

    private static final class UsageException extends Exception {
        UsageException(String message) {
            super(message);
        }
    }
}
