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
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code bin/step1x-load --scenario NAME|all [--mode simulated|demo] ...}: starts a KRaft broker and S3Proxy
 * (child JVMs), runs the scenarios with workers in child JVMs, writes {@code load-tests/target/report/}
 * ({@code index.html}, {@code summary.json}), prints the summary table and, last,
 * {@code lost=N duplicated=N unanswered=N}. Exit status 0 only when all three are 0 and every scenario passed.
 */
public final class Main {

    static final String USAGE = """
            usage: bin/step1x-load --scenario NAME[,NAME...]|all [options]
              --mode simulated|demo   worker engine: the stand-in with H800-scaled costs (default) or the demo model
              --profile NAME|FILE     request mix: a preset %s (default gedit) or a .properties file
                                      (keys: base, sizes, aspects, steps, guidance, chinese-share, tasks, bad-share,
                                      bad-kinds, jpeg-share, input-long-side; see load-tests/README.md)
              --bad-share X           share of bad requests in the load scenarios (poison always uses 0.05)
              --scale F               multiply every scenario's duration (default 1; 0.5 for a quick run)
              --time-scale X          simulated device: fraction of the H800 seconds per edit (default %s)
              --fixed-fraction F      simulated device: per-batch share of a request's cost (default %s)
              --seed N                request-stream seed (default 7)
              --report DIR            report directory (default load-tests/target/report)
              --work DIR              broker/S3/worker files and logs (default load-tests/target/load-work/<time>)
              --demo-model DIR        demo model (default .work/demo-model; written with bin/step1x-edit if missing)
              --list                  list the scenarios
            """.formatted(Profile.PRESETS, DeviceModel.DEFAULT_TIME_SCALE, DeviceModel.DEFAULT_FIXED_FRACTION);

    private Main() {}

    public static void main(String[] args) {
        System.exit(run(args, System.out));
    }

    /** Runs the command line; returns the exit status. */
    public static int run(String[] args, PrintStream out) {
        String scenarios = null;
        String mode = "simulated";
        String profileArg = "gedit";
        Double badShare = null;
        Profile profile;
        double scale = 1;
        double timeScale = DeviceModel.DEFAULT_TIME_SCALE;
        double fixed = DeviceModel.DEFAULT_FIXED_FRACTION;
        long seed = 7;
        Path repo = Classpaths.repo();
        Path report = repo.resolve("load-tests/target/report");
        Path work = null;
        Path demoModel = repo.resolve(".work/demo-model");
        try {
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                switch (a) {
                    case "--scenario" -> scenarios = args[++i];
                    case "--mode" -> mode = args[++i];
                    case "--profile" -> profileArg = args[++i];
                    case "--bad-share" -> badShare = Double.parseDouble(args[++i]);
                    case "--scale" -> scale = Double.parseDouble(args[++i]);
                    case "--time-scale" -> timeScale = Double.parseDouble(args[++i]);
                    case "--fixed-fraction" -> fixed = Double.parseDouble(args[++i]);
                    case "--seed" -> seed = Long.parseLong(args[++i]);
                    case "--report" -> report = Path.of(args[++i]);
                    case "--work" -> work = Path.of(args[++i]);
                    case "--demo-model" -> demoModel = Path.of(args[++i]);
                    case "--list" -> {
                        for (Scenarios.Scenario s : Scenarios.all()) {
                            out.printf("%-16s %-10s %s%n", s.name(), s.supports("simulated") && s.supports("demo")
                                    ? "both" : s.supports("demo") ? "demo" : "simulated", s.description());
                        }
                        return 0;
                    }
                    case "-h", "--help" -> {
                        out.print(USAGE);
                        return 0;
                    }
                    default -> throw new IllegalArgumentException("unknown option " + a);
                }
            }
            if (scenarios == null) {
                throw new IllegalArgumentException("--scenario is required");
            }
            if (!mode.equals("simulated") && !mode.equals("demo")) {
                throw new IllegalArgumentException("--mode must be simulated or demo");
            }
            profile = Profile.load(profileArg);
            if (badShare != null) {
                profile = profile.withBadShare(badShare);
            }
            if (scale <= 0 || timeScale <= 0 || fixed < 0 || fixed >= 1) {
                throw new IllegalArgumentException("--scale and --time-scale must be > 0, --fixed-fraction in [0, 1)");
            }
        } catch (RuntimeException e) {
            out.println("step1x-load: " + e.getMessage());
            out.print(USAGE);
            return 2;
        }
        List<Scenarios.Scenario> chosen = new ArrayList<>();
        for (String name : scenarios.split(",")) {
            if (name.equals("all")) {
                for (Scenarios.Scenario s : Scenarios.all()) {
                    if (s.supports(mode)) {
                        chosen.add(s);
                    }
                }
                continue;
            }
            Scenarios.Scenario s = Scenarios.byName(name.trim()).orElse(null);
            if (s == null) {
                out.println("step1x-load: unknown scenario '" + name + "' (see --list)");
                return 2;
            }
            if (!s.supports(mode)) {
                out.println("step1x-load: scenario " + name + " does not run in " + mode + " mode (see --list)");
                return 2;
            }
            chosen.add(s);
        }
        if (work == null) {
            work = repo.resolve("load-tests/target/load-work/"
                    + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")) + "-"
                    + ProcessHandle.current().pid());
        }
        if (mode.equals("demo") && !ensureDemoModel(repo, demoModel, out)) {
            return 2;
        }
        Settings settings = new Settings(mode, profile, scale, timeScale, fixed, seed, work, report, demoModel);
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
        if (Files.isDirectory(dir.resolve("Qwen2.5-VL-7B-Instruct"))) {
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
