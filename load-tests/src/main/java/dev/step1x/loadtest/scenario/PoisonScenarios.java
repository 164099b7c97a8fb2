package dev.step1x.loadtest.scenario;

import dev.step1x.contracts.ContractJson;
import dev.step1x.contracts.ContractValidator;
import dev.step1x.contracts.EditRequest;
import dev.step1x.contracts.ErrorCode;
import dev.step1x.contracts.ResultStatus;
import dev.step1x.loadtest.check.CheckResult;
import dev.step1x.loadtest.check.ResultCollector;
import dev.step1x.loadtest.env.WorkerProcess;
import dev.step1x.loadtest.gen.Expectation;
import dev.step1x.loadtest.gen.Generator;
import dev.step1x.loadtest.gen.PlannedRequest;
import dev.step1x.loadtest.gen.Profile;
import dev.step1x.loadtest.gen.SentRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Scenarios of requests that kill the worker process. {@code poison-crash-loop}: among steady load, one request
 * whose run halts the worker's JVM every time (the simulated engine's test-only crash instruction, as a native
 * crash of the real engine would); the worker is started again whenever it dies, as Kubernetes would. The start
 * count kept beside each output must end the loop: the request is answered FAILED / REPEATED_CRASH after at most
 * {@link #MAX_STARTS} starts, and every good request SUCCEEDED (lost, duplicated and unanswered 0).
 */
final class PoisonScenarios {

    /** The worker's {@code worker.poison.max-starts} in the scenario (its default). */
    static final int MAX_STARTS = 3;
    /** Text in the poison request's instruction that the simulated engine halts on. */
    static final String CRASH_TOKEN = "halt-the-worker-now";
    /** Exit code of the simulated engine's halt (SimulatedEditEngine.CRASH_EXIT_CODE). */
    static final int CRASH_EXIT = 134;

    private PoisonScenarios() {}

    static final Scenarios.Scenario CRASH_LOOP = new Scenarios.Scenario() {
        @Override
        public String name() {
            return "poison-crash-loop";
        }

        @Override
        public String description() {
            return "steady load with one request that halts the worker's JVM whenever it runs; the worker is restarted "
                    + "each time it dies: the request is answered FAILED/REPEATED_CRASH after at most " + MAX_STARTS
                    + " starts, every good request SUCCEEDED";
        }

        @Override
        public boolean benchmark() {
            return false;
        }

        @Override
        public boolean supports(String mode) {
            return "simulated".equals(mode);
        }

        @Override
        public void run(ScenarioContext ctx, ScenarioResult result) {
            crashLoop(ctx, result);
        }
    };

    static void crashLoop(ScenarioContext ctx, ScenarioResult r) {
        Profile p = ctx.settings().profile();
        DeviceModel d = DeviceModel.h800(p, ctx.settings().timeScale(), ctx.settings().fixedFraction());
        try (LoadRun run = new LoadRun(ctx, "crashloop", p, 4, d)) {
            r.device(d.name() + String.format(Locale.ROOT, ": base %d ms + %d ms/row", d.base().toMillis(),
                    d.perRow().toMillis()));
            r.benchmark("profile", p.name());
            String[] props = {"worker.engine.simulated.crash-instruction=" + CRASH_TOKEN,
                "worker.poison.max-starts=" + MAX_STARTS};
            int generation = 0;
            WorkerProcess w = run.startWorker("w1", false, props);
            double rate = Scenarios.LOAD * d.capacity(1);
            double poisonAt = ctx.settings().seconds(5, 4);
            double secs = poisonAt + ctx.settings().seconds(40, 30);
            run.markLoadStart();
            run.generator().startOpenLoop(List.of(new Generator.Phase(rate, Math.max(1, (int) Math.round(rate * secs)))));
            run.sleepUntil(poisonAt);
            PlannedRequest poison = poisonRequest(run.factory().nextGood());
            SentRequest sent = run.generator().send(poison, System.currentTimeMillis());
            long sentAt = System.currentTimeMillis();
            run.event("poison request " + sent.requestId() + " sent");

            // the restart loop: a dead worker is started again (a fresh id, as a new pod) until the poison is answered
            List<Integer> exitCodes = new ArrayList<>();
            long lastCrashAt = 0;
            long answerDeadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
            while (!run.collector().answered(sent.requestId()) && System.nanoTime() < answerDeadline) {
                if (!w.isAlive()) {
                    Optional<Integer> rc = w.waitExit(Duration.ofSeconds(5));
                    exitCodes.add(rc.orElse(-1));
                    lastCrashAt = System.currentTimeMillis();
                    run.event(w.id() + " died (exit " + rc.map(String::valueOf).orElse("?") + "); restarting");
                    w = restart(run, "w1-r" + (++generation), props);
                }
                sleep(100);
            }
            long answeredAt = System.currentTimeMillis();
            run.event("poison request answered");
            CheckResult c = run.finish(r, Duration.ofSeconds(120));

            ResultCollector.Received answer = run.collector().results().stream()
                    .filter(x -> sent.requestId().equals(x.key()) && x.result() != null).findFirst().orElse(null);
            String got = answer == null ? "no answer" : answer.result().status() + "/"
                    + (answer.result().error() == null ? "-" : answer.result().error().code());
            r.criterion("the poison request is answered FAILED/REPEATED_CRASH", answer != null
                    && answer.result().status() == ResultStatus.FAILED && answer.result().error() != null
                    && answer.result().error().code() == ErrorCode.REPEATED_CRASH, got);
            long crashes = exitCodes.stream().filter(x -> x == CRASH_EXIT).count();
            r.criterion("at most " + MAX_STARTS + " crashes, each the engine's halt", crashes == exitCodes.size()
                    && crashes >= 1 && crashes <= MAX_STARTS, "exit codes " + exitCodes);
            int good = c.expectedGood();
            r.criterion("every good request succeeded", c.succeeded() == good, c.succeeded() + " of " + good);
            r.criterion("the last worker is alive", w.isAlive(), w.isAlive() ? "alive" : "exited");
            r.benchmark("crashes", crashes);
            r.benchmark("poisonAnsweredAfterSeconds", LoadRun.round((answeredAt - sentAt) / 1000.0));
            r.benchmark("recoverySecondsAfterLastCrash", lastCrashAt == 0 ? null
                    : LoadRun.round((answeredAt - lastCrashAt) / 1000.0));
            r.benchmark("offeredRate", LoadRun.round(rate));
            r.benchmark("throughput", LoadRun.round(r.stats().throughput()));
            r.note("each crash kills the batch in flight; its other rows are counted once and then run alone on the "
                    + "next worker (answered there); redelivered after the crashes: " + c.redelivered()
                    + " identical re-publications over " + c.redeliveredRequests() + " requests");
        }
    }

    /** Starts a worker; one that dies while starting (it can pick the poison up before it reports ready) is retried. */
    private static WorkerProcess restart(LoadRun run, String id, String[] props) {
        try {
            return run.startWorker(id, false, props);
        } catch (IllegalStateException diedStarting) {
            run.event(id + " died while starting; starting another");
            return run.startWorker(id + "b", false, props);
        }
    }

    /** A good request whose instruction carries the crash token; it must be answered FAILED/REPEATED_CRASH. */
    private static PlannedRequest poisonRequest(PlannedRequest good) {
        EditRequest r = ContractValidator.shared().parseRequest(good.value()).orElseThrow();
        EditRequest crashing = new EditRequest(r.schemaVersion(), r.requestId(), r.previousRequestId(), r.input(),
                r.instruction() + " " + CRASH_TOKEN, r.negativePrompt(), r.params(), r.output(), r.deadline(),
                r.priority(), r.metadata());
        return new PlannedRequest(good.requestId(), ContractJson.toBytes(crashing), good.headers(),
                new Expectation(ResultStatus.FAILED, ErrorCode.REPEATED_CRASH, 0, 0, false), good.task(),
                good.language(), good.sizeLevel(), good.aspect(), good.steps(), null);
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
