package dev.step1x.loadtest.check;

import static org.assertj.core.api.Assertions.assertThat;

import dev.step1x.contracts.ContractJson;
import dev.step1x.contracts.EditResult;
import dev.step1x.contracts.ErrorCode;
import dev.step1x.contracts.ModelVersion;
import dev.step1x.contracts.Timings;
import dev.step1x.loadtest.gen.Expectation;
import dev.step1x.loadtest.gen.PlannedRequest;
import dev.step1x.loadtest.gen.SentRequest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The checker counts what it must: results are made by hand for each kind of failure (a lost, a duplicated, a
 * conflicting and an unanswered request, among clean ones), so each count is seen to move on its own.
 */
class CheckerTest {

    static final String BUCKET = "lt-outputs";
    static final String PREFIX = "run/";

    final List<SentRequest> sent = new ArrayList<>();
    final List<ResultCollector.Received> results = new ArrayList<>();
    final Map<String, List<String>> objects = new HashMap<>();
    final Map<String, String> objectSha = new HashMap<>();
    final Map<Integer, Long> committed = new HashMap<>(Map.of(0, 100L));
    long offset;

    static String sha(char c) {
        return String.valueOf(c).repeat(64);
    }

    /** A good request sent on partition 0 at the next offset (or at {@code at} when given). */
    SentRequest send(String id, Long at) {
        SentRequest s = new SentRequest(new PlannedRequest(id, new byte[0], Map.of(), Expectation.succeeded(10, 20),
                null, null, 512, null, 28, null), 0);
        s.acked(0, at == null ? offset++ : at, 0);
        sent.add(s);
        return s;
    }

    void object(String id, char shaChar) {
        String key = PREFIX + id + ".png";
        objects.computeIfAbsent(id, k -> new ArrayList<>()).add(key);
        objectSha.put(key, sha(shaChar));
    }

    static EditResult succeeded(String id, char shaChar, boolean computed) {
        return new EditResult(1, id, dev.step1x.contracts.ResultStatus.SUCCEEDED,
                new EditResult.OutputRef(BUCKET, PREFIX + id + ".png", "\"e\"", sha(shaChar), 10, 20, "image/png"),
                null, new Timings(null, null, null, null, null, null, null, null, null, 50.0),
                computed ? new EditResult.BatchInfo(2, "v1.1:512x512:28") : null,
                new EditResult.WorkerInfo("w1", ModelVersion.V1_1, "cpu", "v"), 1, Instant.now(), null);
    }

    static EditResult expired(String id) {
        return EditResult.unsuccessful(id, ErrorCode.DEADLINE_EXCEEDED, "late", null, null,
                new EditResult.WorkerInfo("w1", ModelVersion.V1_1, "cpu", "v"), 1, Instant.now(), null);
    }

    void answer(EditResult r) {
        byte[] bytes = ContractJson.toBytes(r);
        results.add(new ResultCollector.Received(r.requestId(), bytes, r, null, 0, 0, results.size(), 0));
    }

    CheckResult check() {
        return Checker.evaluate(new Checker.Observed(sent, results, List.of(), BUCKET, objects, objectSha::get,
                committed, 0));
    }

    /** Three requests answered once, each with its object: nothing to count. */
    void clean() {
        for (String id : List.of("ok-1", "ok-2", "ok-3")) {
            send(id, null);
            object(id, 'a');
            answer(succeeded(id, 'a', true));
        }
    }

    @Test
    void cleanRequestsCountNothing() {
        clean();
        CheckResult c = check();
        assertThat(c.clean()).as(c.problems().toString()).isTrue();
        assertThat(c.answered()).isEqualTo(3);
        assertThat(c.succeeded()).isEqualTo(3);
    }

    @Test
    void aCommittedRequestWithoutAnAnswerIsLost() {
        clean();
        send("lost-1", 5L); // below the committed offset 100
        CheckResult c = check();
        assertThat(c.lost()).isEqualTo(1);
        assertThat(c.lostCommitted()).isEqualTo(1);
        assertThat(c.unanswered()).isEqualTo(1);
        assertThat(c.duplicated() + c.conflicting()).isZero();
        assertThat(c.problems()).contains("lost: lost-1 (partition 0 offset 5 committed, never answered)");
    }

    @Test
    void aSucceededResultWhoseObjectIsGoneIsLost() {
        clean();
        send("gone-1", null);
        answer(succeeded("gone-1", 'b', true));
        CheckResult c = check();
        assertThat(c.lost()).isEqualTo(1);
        assertThat(c.lostOutputs()).isEqualTo(1);
        assertThat(c.unanswered()).isZero();
    }

    @Test
    void anUncommittedRequestWithoutAnAnswerIsUnanswered() {
        clean();
        send("late-1", 150L); // above the committed offset: redelivery still pending
        CheckResult c = check();
        assertThat(c.unanswered()).isEqualTo(1);
        assertThat(c.lost()).isZero();
        assertThat(c.problems()).contains("unanswered: late-1");
        assertThat(c.clean()).isFalse();
    }

    @Test
    void twoDifferentTerminalResultsOrTwoObjectsAreDuplicated() {
        clean();
        send("dup-1", null);
        object("dup-1", 'c');
        answer(succeeded("dup-1", 'c', true));
        answer(expired("dup-1"));
        send("dup-2", null);
        object("dup-2", 'd');
        objects.get("dup-2").add(PREFIX + "dup-2.jpg");
        answer(succeeded("dup-2", 'd', true));
        CheckResult c = check();
        assertThat(c.duplicated()).isEqualTo(2);
        assertThat(c.differingResults()).isEqualTo(1);
        assertThat(c.multipleOutputs()).isEqualTo(1);
        assertThat(c.conflicting()).isZero();
        assertThat(c.lost() + c.unanswered()).isZero();
    }

    @Test
    void twoSucceededResultsWithDifferentBytesAreConflicting() {
        clean();
        send("conflict-1", null);
        object("conflict-1", 'f'); // the second run overwrote the object
        answer(succeeded("conflict-1", 'e', true));
        answer(succeeded("conflict-1", 'f', true));
        CheckResult c = check();
        assertThat(c.conflicting()).isEqualTo(1);
        assertThat(c.duplicated()).isZero();
        // and the first answer points at bytes that are gone
        assertThat(c.shaMismatch()).isEqualTo(1);
        assertThat(c.clean()).isFalse();
        assertThat(c.problems()).anyMatch(p -> p.startsWith("conflicting: conflict-1 has 2 SUCCEEDED results"));
    }

    @Test
    void anIdenticalRepeatIsARedeliveryAndOneFromTheObjectIsCountedAsReused() {
        clean();
        send("again-1", null);
        object("again-1", 'a');
        answer(succeeded("again-1", 'a', true));
        answer(succeeded("again-1", 'a', false)); // a redelivery answered from the existing object
        CheckResult c = check();
        assertThat(c.clean()).as(c.problems().toString()).isTrue();
        assertThat(c.redelivered()).isEqualTo(1);
        assertThat(c.answeredFromExisting()).isEqualTo(1);
        assertThat(c.answeredFromExistingRequests()).isEqualTo(1);
    }
}
