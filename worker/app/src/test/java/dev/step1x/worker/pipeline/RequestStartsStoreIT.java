package dev.step1x.worker.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.step1x.contracts.ContractValidator;
import dev.step1x.contracts.EditRequest;
import dev.step1x.contracts.EditResult;
import dev.step1x.contracts.ErrorCode;
import dev.step1x.worker.batching.Batcher;
import dev.step1x.worker.config.WorkerProperties;
import dev.step1x.worker.metrics.CpuMeter;
import dev.step1x.worker.storage.S3ObjectStore;
import dev.step1x.worker.support.ItEnvironment;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;

/**
 * {@link RequestStarts} against S3Proxy, one "process" per instance: starts are counted once per process (a batch
 * run again in parts is not counted again), survive into the next instance, split a batch so that a request
 * started before runs alone, end in REPEATED_CRASH at the limit, and the marker goes after a FAILED answer but stays
 * after REPEATED_CRASH.
 */
class RequestStartsStoreIT {

    static S3ObjectStore store;

    @BeforeAll
    static void servers() {
        ItEnvironment.start();
        store = new S3ObjectStore(ItEnvironment.s3(), new WorkerProperties.Storage().toS3Settings());
    }

    static Accepted accepted(String id) {
        String json = """
                {"schemaVersion":1,"requestId":"%s","input":{"bucket":"inputs","key":"in/x.png"},
                 "instruction":"make it snowy","params":{"sizeLevel":512},
                 "output":{"bucket":"outputs","keyPrefix":"starts-store-it/"}}
                """.formatted(id);
        EditRequest r = ContractValidator.shared().parseRequest(json.getBytes(StandardCharsets.UTF_8)).orElseThrow()
                .withDefaults();
        Completion ignored = new Completion() {
            @Override
            public void complete() {}

            @Override
            public void abandon() {}
        };
        return new Accepted(r, "hash-" + id, new Delivery(ignored, 1, null), 0, 0, System.nanoTime());
    }

    static Prepared prepared(Accepted a) {
        return new Prepared(a, null, 0, 0); // the start count never looks at the input
    }

    static Batcher.Batch<Prepared> batch(Prepared... rows) {
        return new Batcher.Batch<>(null, List.of(rows), 8, List.of());
    }

    static String starts(Accepted a) {
        try {
            return ItEnvironment.s3().headObject(h -> h.bucket("outputs").key(RequestStarts.markerKey(a.request())))
                    .metadata().get(RequestStarts.STARTS);
        } catch (NoSuchKeyException e) {
            return null;
        }
    }

    static EditResult failed(Accepted a, ErrorCode code) {
        return EditResult.unsuccessful(a.requestId(), code, "test", null, null, null, 1, Instant.now(), null);
    }

    @Test
    void startsAreCountedOncePerProcessAndARestartedRequestRunsAlone() throws Exception {
        String run = "s" + System.nanoTime();
        List<Batcher.Batch<Prepared>> ranSeparately = new ArrayList<>();
        RequestStarts first = new RequestStarts(new RequestStarts.Settings(3), store, new CpuMeter());
        Accepted a = accepted(run + "-a");
        Accepted b = accepted(run + "-b");
        first.check(a);
        first.check(b);
        Batcher.Batch<Prepared> together = batch(prepared(a), prepared(b));
        assertThat(first.starting(together, ranSeparately::add)).as("two fresh rows run together").isSameAs(together);
        assertThat(starts(a)).isEqualTo("1");
        assertThat(starts(b)).isEqualTo("1");
        // the batch failed and is run again row by row in the same process: not another start
        first.starting(batch(prepared(a)), ranSeparately::add);
        assertThat(starts(a)).isEqualTo("1");
        assertThat(ranSeparately).isEmpty();
        first.close();

        // the process died: the next one reads the count, and a request started before does not share a batch
        RequestStarts second = new RequestStarts(new RequestStarts.Settings(3), store, new CpuMeter());
        Accepted a2 = accepted(run + "-a");
        Accepted c = accepted(run + "-c");
        second.check(a2);
        second.check(c);
        Prepared pa = prepared(a2);
        Prepared pc = prepared(c);
        assertThat(second.starting(batch(pa, pc), ranSeparately::add)).as("split, nothing runs as given").isNull();
        assertThat(ranSeparately).extracting(Batcher.Batch::items).containsExactly(List.of(pa), List.of(pc));
        assertThat(second.starting(ranSeparately.get(0), x -> {})).isSameAs(ranSeparately.get(0));
        assertThat(starts(a2)).isEqualTo("2");

        // a FAILED answer removes the marker, so a later retry by the producer starts afresh
        second.answered(a2, failed(a2, ErrorCode.ENGINE_ERROR));
        await().atMost(Duration.ofSeconds(10)).until(() -> starts(a2) == null);
        // so does a SUCCEEDED one: nothing but outputs stays in the output bucket
        second.starting(ranSeparately.get(1), x -> {});
        assertThat(starts(c)).isEqualTo("1");
        second.answered(c, EditResult.succeeded(c.request(), null, null, null, null, 1, Instant.now()));
        await().atMost(Duration.ofSeconds(10)).until(() -> starts(c) == null);
        second.close();
    }

    @Test
    void aRequestAtTheLimitIsRefusedAndItsMarkerKept() throws Exception {
        String id = "s" + System.nanoTime() + "-poison";
        for (int process = 1; process <= 2; process++) {
            RequestStarts starts = new RequestStarts(new RequestStarts.Settings(2), store, new CpuMeter());
            Accepted a = accepted(id);
            starts.check(a);
            starts.starting(batch(prepared(a)), x -> {});
            assertThat(starts(a)).isEqualTo(Integer.toString(process));
            starts.close(); // died without an answer
        }
        RequestStarts third = new RequestStarts(new RequestStarts.Settings(2), store, new CpuMeter());
        Accepted a = accepted(id);
        assertThatThrownBy(() -> third.check(a)).isInstanceOfSatisfying(RequestFailure.class, f -> {
            assertThat(f.code()).isEqualTo(ErrorCode.REPEATED_CRASH);
            assertThat(f.getMessage()).contains("started 2 times").contains("max-starts=2");
        });
        third.answered(a, failed(a, ErrorCode.REPEATED_CRASH));
        Thread.sleep(300);
        assertThat(starts(a)).as("kept: a redelivery is answered again without running").isEqualTo("2");

        // off: nothing is read or written
        RequestStarts off = new RequestStarts(new RequestStarts.Settings(0), store, new CpuMeter());
        Accepted fresh = accepted(id + "-off");
        off.check(fresh);
        off.starting(batch(prepared(fresh)), x -> {});
        assertThat(starts(fresh)).isNull();
        third.close();
        off.close();
    }
}
