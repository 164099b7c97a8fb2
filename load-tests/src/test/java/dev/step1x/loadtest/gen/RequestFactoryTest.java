package dev.step1x.loadtest.gen;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.step1x.contracts.ContractValidator;
import dev.step1x.contracts.EditRequest;
import dev.step1x.contracts.ParseResult;
import dev.step1x.contracts.ValidationResult;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RequestFactoryTest {

    private static InputCatalog catalog(Profile p) {
        return InputCatalog.withoutUpload("lt-inputs", "t/", p);
    }

    @Test
    void goodRequestsValidateAndFollowTheGeditMix() {
        Profile p = Profile.preset("gedit").withBadShare(0);
        RequestFactory f = new RequestFactory(p, "lt-test", "lt-outputs", catalog(p), 42);
        int n = 20_000;
        Map<TaskType, Integer> tasks = new EnumMap<>(TaskType.class);
        Map<Integer, Integer> sizes = new LinkedHashMap<>();
        int chinese = 0;
        for (int i = 0; i < n; i++) {
            PlannedRequest r = f.next();
            assertThat(r.bad()).isNull();
            if (i < 300) {
                ParseResult<EditRequest> parsed = ContractValidator.shared().parseRequest(r.value());
                assertThat(parsed.valid()).as(parsed.validation().toString()).isTrue();
                EditRequest e = parsed.orElseThrow();
                assertThat(e.requestId()).isEqualTo(r.requestId());
                assertThat(e.outputKey()).startsWith("lt-test/" + r.requestId() + ".");
                assertThat(e.metadata()).containsEntry("task", r.task().key());
            }
            tasks.merge(r.task(), 1, Integer::sum);
            sizes.merge(r.sizeLevel(), 1, Integer::sum);
            chinese += r.language() == TaskType.Language.CN ? 1 : 0;
        }
        for (TaskType t : TaskType.values()) {
            assertThat(tasks.get(t) / (double) n).as(t.key()).isCloseTo(t.benchShare(), within(0.01));
        }
        assertThat(TaskType.values()).hasSize(11);
        assertThat(java.util.Arrays.stream(TaskType.values()).mapToInt(TaskType::benchCount).sum()).isEqualTo(606);
        assertThat(sizes.get(1024) / (double) n).isCloseTo(0.5, within(0.02));
        assertThat(chinese / (double) n).isCloseTo(0.5, within(0.02));
    }

    @Test
    void aShareOfGoodRequestsNamesTheAdaptersInTurn() {
        Profile p = Profile.preset("ci").withBadShare(0);
        RequestFactory f = new RequestFactory(p, "lt-a", "lt-outputs", catalog(p), 3)
                .withAdapters(java.util.List.of("demo-style-a", "demo-style-b"), 0.5);
        Map<String, Integer> named = new LinkedHashMap<>();
        int n = 2000;
        for (int i = 0; i < n; i++) {
            EditRequest e = ContractValidator.shared().parseRequest(f.next().value()).orElseThrow();
            var adapter = e.params().adapter();
            named.merge(adapter == null ? "none" : adapter.name() + "@" + adapter.scale(), 1, Integer::sum);
        }
        assertThat(named).containsOnlyKeys("none", "demo-style-a@0.8", "demo-style-b@0.8");
        assertThat(named.get("none") / (double) n).isCloseTo(0.5, within(0.04));
        assertThat(Math.abs(named.get("demo-style-a@0.8") - named.get("demo-style-b@0.8"))).isLessThanOrEqualTo(1);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> f.withAdapters(java.util.List.of(), 0.2))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theStreamIsDeterministicPerSeed() {
        Profile p = Profile.preset("gedit");
        RequestFactory a = new RequestFactory(p, "lt-x", "lt-outputs", catalog(p), 7);
        RequestFactory b = new RequestFactory(p, "lt-x", "lt-outputs", catalog(p), 7);
        for (int i = 0; i < 50; i++) {
            PlannedRequest x = a.next();
            PlannedRequest y = b.next();
            assertThat(x.requestId()).isEqualTo(y.requestId());
            if (x.bad() != BadKind.EXPIRED) {
                assertThat(x.value()).isEqualTo(y.value());
            }
        }
    }

    @Test
    void badRequestsAreBadInTheWayTheyClaim() {
        Profile p = Profile.preset("ci");
        RequestFactory f = new RequestFactory(p, "lt-bad", "lt-outputs", catalog(p), 1);
        for (BadKind k : BadKind.values()) {
            PlannedRequest r = f.nextBad(k);
            assertThat(r.expectation().status()).isEqualTo(k.status());
            assertThat(r.headers()).containsEntry("x-request-id", r.requestId());
            ValidationResult v = ContractValidator.shared().parseRequest(r.value()).validation();
            switch (k) {
                case UNPARSEABLE -> assertThat(v.outcome()).isEqualTo(ValidationResult.Outcome.UNPARSEABLE);
                case INVALID_SCHEMA -> assertThat(v.outcome()).isEqualTo(ValidationResult.Outcome.INVALID);
                default -> assertThat(v.outcome()).as(k.name()).isEqualTo(ValidationResult.Outcome.VALID);
            }
        }
        Profile poison = p.withBadShare(0.05);
        RequestFactory g = new RequestFactory(poison, "lt-p", "lt-outputs", catalog(poison), 3);
        int bad = 0;
        for (int i = 0; i < 10_000; i++) {
            bad += g.next().bad() == null ? 0 : 1;
        }
        assertThat(bad / 10_000.0).isCloseTo(0.05, within(0.01));
    }

    @Test
    void profileFromAPropertiesFile(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        java.nio.file.Path f = dir.resolve("text-heavy.properties");
        java.nio.file.Files.writeString(f, "base=ci\nsizes=768:1\naspects=16x9:1\ntasks=text_change:3,subject-add:1\n"
                + "bad-share=0.1\nbad-kinds=pixel-bomb:1\n");
        Profile p = Profile.load(f.toString());
        assertThat(p.name()).isEqualTo("text-heavy");
        assertThat(p.sizeLevels()).containsOnlyKeys(768);
        assertThat(p.aspects()).containsOnlyKeys(new Aspect(16, 9));
        assertThat(p.tasks()).containsOnlyKeys(TaskType.TEXT_CHANGE, TaskType.SUBJECT_ADD);
        assertThat(p.badKinds()).containsOnlyKeys(BadKind.PIXEL_BOMB);
        assertThat(p.steps()).isEqualTo(Profile.preset("ci").steps());
    }

    @Test
    void aspectSizesKeepTheRatio() {
        assertThat(new Aspect(4, 3).size(320)).containsExactly(320, 240);
        assertThat(new Aspect(9, 16).size(1024)).containsExactly(576, 1024);
        assertThat(Aspect.parse("16:9")).isEqualTo(new Aspect(16, 9));
    }
}
