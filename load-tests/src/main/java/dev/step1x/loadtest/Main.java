package dev.step1x.loadtest;

import dev.step1x.loadtest.env.Classpaths;
import dev.step1x.loadtest.gen.Profile;
import dev.step1x.loadtest.report.Report;
import dev.step1x.loadtest.scenario.DeviceModel;
import dev.step1x.loadtest.scenario.ScenarioContext;
import dev.step1x.loadtest.scenario.ScenarioResult;
import dev.step1x.loadtest.scenario.Scenarios;
import dev.step1x.loadtest.scenario.Settings;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
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
 * {@code bin/step1x-load --scenario NAME|all [--mode simulated|demo] ...}: starts a KRaft broker and S3Proxy
 * (child JVMs), runs the scenarios with workers in child JVMs, writes {@code load-tests/target/report/}
 * ({@code index.html}, {@code summary.json}), prints the summary table and, last,
 * {@code lost=N duplicated=N conflicting=N unanswered=N}. Exit status 0 only when all four are 0 and every scenario
 * passed; 1 otherwise; 2 for a usage error (a missing or invalid option value, an unknown scenario).
 */
@Command(name = "step1x-load", sortOptions = false, usageHelpAutoWidth = true,
        synopsisHeading = "Usage:%n",
        customSynopsis = {
            "  bin/step1x-load --scenario NAME[,NAME...]|all [OPTIONS]",
            "  bin/step1x-load --list"},
        description = {
            "",
            "Load tests and fault injection against real child-JVM servers: a KRaft broker, S3Proxy and workers. "
                    + "Prints the summary table and, last, lost=N duplicated=N conflicting=N unanswered=N.",
            ""},
        footer = {
            "",
            "Exit status: 0 when lost, duplicated, conflicting and unanswered are all 0 and every scenario passed; "
                    + "1 otherwise; 2 for a usage error.",
            "Report: load-tests/target/report/index.html and summary.json (see load-tests/README.md)."})
public final class Main implements Callable<Integer> {

    static final String NAME = "step1x-load";

    @Option(names = "--scenario", paramLabel = "NAME[,NAME...]|all", description = "the scenarios to run (see --list)")
    String scenarios;

    @Option(names = "--mode", paramLabel = "simulated|demo", description = "worker engine: the stand-in with "
            + "H800-scaled costs (default) or the demo model")
    String mode = "simulated";

    @Option(names = "--profile", paramLabel = "NAME|FILE", description = "request mix: a preset "
            + "[gedit, ci, square-1024, square-512] (default gedit) or a .properties file (keys: base, sizes, aspects, steps, guidance, "
            + "chinese-share, tasks, bad-share, bad-kinds, jpeg-share, input-long-side; see load-tests/README.md)")
    String profileArg = "gedit";

    @Option(names = "--bad-share", paramLabel = "X",
            description = "share of bad requests in the load scenarios (poison always uses 0.05)")
    Double badShare;

    @Option(names = "--scale", paramLabel = "F",
            description = "multiply every scenario's duration (default 1; 0.5 for a quick run)")
    double scale = 1;

    @Option(names = "--time-scale", paramLabel = "X",
            description = "simulated device: fraction of the H800 seconds per edit (default "
                    + DeviceModel.DEFAULT_TIME_SCALE + ")")
    double timeScale = DeviceModel.DEFAULT_TIME_SCALE;

    @Option(names = "--fixed-fraction", paramLabel = "F",
            description = "simulated device: per-batch share of a request's cost (default "
                    + DeviceModel.DEFAULT_FIXED_FRACTION + ")")
    double fixed = DeviceModel.DEFAULT_FIXED_FRACTION;

    @Option(names = "--adapter-share", paramLabel = "F",
            description = "share of good requests that name a LoRA adapter (demo-style-a or -b in turn, scale 0.8; "
                    + "demo mode: the demo model's adapters) (default 0)")
    double adapterShare;

    @Option(names = "--identical-reruns", description = "simulated mode: the stand-in engine gives the same bytes "
            + "every time it runs a request (by default each run differs a little, as on a GPU fleet, so that a "
            + "request computed twice shows up as conflicting)")
    boolean identicalReruns;

    @Option(names = "--seed", paramLabel = "N", description = "request-stream seed (default 7)")
    long seed = 7;

    @Option(names = "--report", paramLabel = "DIR", description = "report directory (default load-tests/target/report)")
    Path report;

    @Option(names = "--work", paramLabel = "DIR",
            description = "broker/S3/worker files and logs (default load-tests/target/load-work/<time>)")
    Path work;

    @Option(names = "--model", paramLabel = "DIR",
            description = "--mode demo: the model directory (default .work/demo-model, written with bin/step1x-edit "
                    + "demo-model if missing)")
    Path demoModel;

    @Option(names = "--list", description = "list the scenarios and exit")
    boolean list;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "show this help and exit")
    boolean help;

    @Spec
    CommandSpec spec;

    private final PrintStream out;

    private Main(PrintStream out) {
        this.out = out;
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Runs the command line (progress, tables and usage errors on {@code out}); returns the exit status. */
    public static int run(String[] args, PrintStream out) {
        return run(args, out, out);
    }

    /** Runs the command line; usage errors go to {@code err}. Returns the exit status. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        PrintWriter o = new PrintWriter(out, true, StandardCharsets.UTF_8);
        PrintWriter e = new PrintWriter(err, true, StandardCharsets.UTF_8);
        CommandLine cmd = new CommandLine(new Main(out)).setOut(o).setErr(e);
        cmd.setParameterExceptionHandler((ParameterException ex, String[] a) -> {
            PrintWriter w = ex.getCommandLine().getErr();
            w.println(NAME + ": " + ex.getMessage());
            UnmatchedArgumentException.printSuggestions(ex, w);
            w.println("Run 'bin/" + NAME + " --help' for the options.");
            w.flush();
            return 2;
        });
        try {
            return cmd.execute(args);
        } finally {
            o.flush();
            e.flush();
        }
    }

    private ParameterException usage(String message) {
        return new ParameterException(spec.commandLine(), message);
    }

    @Override
    public Integer call() {
        if (list) {
            for (Scenarios.Scenario s : Scenarios.all()) {
                out.printf("%-16s %-10s %s%n", s.name(), s.supports("simulated") && s.supports("demo")
                        ? "both" : s.supports("demo") ? "demo" : "simulated", s.description());
            }
            return 0;
        }
        if (scenarios == null) {
            throw usage("--scenario is required (see --list)");
        }
        if (!mode.equals("simulated") && !mode.equals("demo")) {
            throw usage("--mode must be simulated or demo, got '" + mode + "'");
        }
        if (scale <= 0 || timeScale <= 0 || fixed < 0 || fixed >= 1) {
            throw usage("--scale and --time-scale must be > 0, --fixed-fraction in [0, 1)");
        }
        Profile profile;
        try {
            profile = Profile.load(profileArg);
            if (badShare != null) {
                profile = profile.withBadShare(badShare);
            }
        } catch (IllegalArgumentException e) {
            throw usage("--profile " + profileArg + (badShare != null ? " --bad-share " + badShare : "") + ": "
                    + e.getMessage());
        }
        List<Scenarios.Scenario> chosen = new ArrayList<>();
        for (String name : scenarios.split(",")) {
            if (name.trim().equals("all")) {
                for (Scenarios.Scenario s : Scenarios.all()) {
                    if (s.supports(mode)) {
                        chosen.add(s);
                    }
                }
                continue;
            }
            Scenarios.Scenario s = Scenarios.byName(name.trim()).orElse(null);
            if (s == null) {
                throw usage("unknown scenario '" + name + "' (see --list)");
            }
            if (!s.supports(mode)) {
                throw usage("scenario " + name + " does not run in " + mode + " mode (see --list)");
            }
            chosen.add(s);
        }
        Path repo = Classpaths.repo();
        Path reportDir = report != null ? report : repo.resolve("load-tests/target/report");
        Path demoDir = demoModel != null ? demoModel : repo.resolve(".work/demo-model");
        Path workDir = work != null ? work : repo.resolve("load-tests/target/load-work/"
                + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")) + "-"
                + ProcessHandle.current().pid());
        if (mode.equals("demo") && !ensureDemoModel(repo, demoDir, out)) {
            return 2;
        }
        if (adapterShare < 0 || adapterShare > 1) {
            throw usage("--adapter-share must be within 0..1, got " + adapterShare);
        }
        Settings settings = new Settings(mode, profile, scale, timeScale, fixed, seed, workDir, reportDir, demoDir,
                adapterShare, !identicalReruns);
        return runScenarios(settings, chosen, out);
    }

    /** Runs the scenarios on one cluster, writes the report, prints the summary; returns the exit status. */
    public static int runScenarios(Settings settings, List<Scenarios.Scenario> chosen, PrintStream out) {
        List<ScenarioResult> results = new ArrayList<>();
        try (ScenarioContext ctx = new ScenarioContext(settings, out)) {
            ctx.log("step1x-load: %d scenario(s) in %s mode, profile %s, scale %s; files in %s", chosen.size(),
                    settings.mode(), settings.profile().name(), settings.scale(), settings.workDir());
            for (Scenarios.Scenario s : chosen) {
                results.add(Scenarios.run(s, ctx));
                Report.write(settings.reportDir(), results, settings);
            }
        } catch (RuntimeException e) {
            out.println("step1x-load: " + e);
            e.printStackTrace(out);
            ScenarioResult r = new ScenarioResult("setup", "the cluster");
            r.error(e.toString());
            results.add(r);
        }
        Report.write(settings.reportDir(), results, settings);
        out.println("report: " + settings.reportDir().resolve("index.html"));
        Report.printSummary(results, out);
        return Report.totals(results).ok() ? 0 : 1;
    }

    private static boolean ensureDemoModel(Path repo, Path dir, PrintStream out) {
        // a demo model written before it came with adapters is written again (seconds)
        if (Files.isDirectory(dir.resolve("Qwen2.5-VL-7B-Instruct"))
                && Settings.ADAPTERS.stream().allMatch(a -> Files.isRegularFile(dir.resolve("loras/" + a + ".safetensors")))) {
            return true;
        }
        out.println("== writing the demo model to " + dir + " (bin/step1x-edit demo-model)");
        try {
            Process p = new ProcessBuilder(repo.resolve("bin/step1x-edit").toString(), "demo-model", "--out", dir.toString())
                    .inheritIO().start();
            if (p.waitFor() == 0) {
                return true;
            }
            out.println("step1x-load: bin/step1x-edit demo-model failed with " + p.exitValue());
        } catch (IOException e) {
            out.println("step1x-load: cannot run bin/step1x-edit: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return false;
    }
}
