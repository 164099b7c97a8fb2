package dev.step1x.loadtest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.step1x.loadtest.gen.Profile;
import dev.step1x.loadtest.scenario.Scenarios;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code bin/step1x-load}'s argument handling: help, list and usage errors, none of which starts a server. */
class MainCommandLineTest {

    record Run(int rc, String out, String err) {}

    static Run load(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int rc = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(rc, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    static final List<String> OPTIONS_WITH_VALUES = List.of("--scenario", "--mode", "--profile", "--bad-share",
            "--scale", "--time-scale", "--fixed-fraction", "--seed", "--report", "--work", "--model");

    @Test
    void helpListsEveryOptionAndTheExitCodes() {
        Run r = load("--help");
        assertThat(r.rc()).isZero();
        assertThat(r.err()).isEmpty();
        assertThat(r.out()).contains(OPTIONS_WITH_VALUES).contains("--list", "--help", "Exit status")
                .contains(Profile.PRESETS);
        assertThat(load("-h").out()).isEqualTo(r.out());
    }

    @Test
    void listPrintsEveryScenario() {
        Run r = load("--list");
        assertThat(r.rc()).isZero();
        for (Scenarios.Scenario s : Scenarios.all()) {
            assertThat(r.out()).contains(s.name());
        }
    }

    @Test
    void aMissingValueExitsTwoWithAMessage() {
        for (String option : OPTIONS_WITH_VALUES) {
            Run r = load(option);
            assertThat(r.rc()).as(option).isEqualTo(2);
            assertThat(r.err()).as(option)
                    .startsWith("step1x-load: Missing required parameter for option '" + option + "'")
                    .contains("--help");
            assertThat(r.out()).as(option).isEmpty();
        }
        Run between = load("--scenario", "--scale", "0.5");
        assertThat(between.rc()).isEqualTo(2);
        assertThat(between.err()).contains("'--scenario'");
    }

    @Test
    void invalidValuesExitTwoWithAMessage() {
        String[][] cases = {
            {"--scale|half", "'--scale': 'half' is not a double"},
            {"--seed|x", "'--seed': 'x' is not a long"},
            {"--bad-share|lots", "'--bad-share': 'lots' is not a double"},
            {"--mode|gpu", "--mode must be simulated or demo, got 'gpu'"},
            {"--scale|0", "--scale and --time-scale must be > 0"},
            {"--fixed-fraction|1", "--fixed-fraction in [0, 1)"},
            {"--profile|nope", "unknown profile 'nope'"},
            {"--scenario|no-such-scenario", "unknown scenario 'no-such-scenario'"},
        };
        for (String[] c : cases) {
            String[] kv = c[0].split("\\|");
            String[] args = kv[0].equals("--scenario") ? new String[] {kv[0], kv[1]}
                    : new String[] {"--scenario", "steady", kv[0], kv[1]};
            Run r = load(args);
            assertThat(r.rc()).as(c[0]).isEqualTo(2);
            assertThat(r.err()).as(c[0]).startsWith("step1x-load: ").contains(c[1]);
        }
    }

    @Test
    void withoutAScenarioOrWithAnUnknownOptionItIsAUsageError() {
        Run none = load("--scale", "0.5");
        assertThat(none.rc()).isEqualTo(2);
        assertThat(none.err()).contains("--scenario is required");
        Run typo = load("--scenario", "steady", "--scael", "0.5");
        assertThat(typo.rc()).isEqualTo(2);
        assertThat(typo.err()).contains("Unknown option", "'--scael'").contains("--scale");
    }

    @Test
    void theOneStreamFormKeepsEverythingOnIt() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int rc = Main.run(new String[] {"--scale"}, new PrintStream(out, true, StandardCharsets.UTF_8));
        assertThat(rc).isEqualTo(2);
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("Missing required parameter for option '--scale'");
    }
}
