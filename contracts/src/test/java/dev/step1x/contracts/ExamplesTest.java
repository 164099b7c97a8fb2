package dev.step1x.contracts;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;

import java.math.BigDecimal;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Every shipped example: valid ones validate and round-trip, invalid ones fail exactly where indexed. */
class ExamplesTest {

    private static final ContractValidator VALIDATOR = ContractValidator.shared();

    /** Equal trees, where numbers compare by value (6 == 6.0), as Double/Integer records write them back. */
    private static final Comparator<JsonNode> SAME_VALUE = (a, b) -> {
        if (a.isNumber() && b.isNumber()) {
            return new BigDecimal(a.asString()).compareTo(new BigDecimal(b.asString()));
        }
        return a.equals(b) ? 0 : 1;
    };

    static List<String> validFiles() {
        return Examples.validFiles();
    }

    static List<Examples.Invalid> invalidExamples() {
        return List.copyOf(Examples.invalidIndex().values());
    }

    @Test
    void theExpectedSetOfValidExamplesShips() {
        assertThat(validFiles()).contains(
                "request-minimal.json", "request-full.json", "request-chained.json",
                "request-chinese-instruction.json", "result-succeeded.json", "result-failed.json",
                "result-rejected.json", "result-expired.json", "metrics-snapshot.json");
        // one result per status
        Set<ResultStatus> statuses = new TreeSet<>();
        for (String file : validFiles()) {
            if (Examples.kindOfFile(file) == MessageKind.RESULT) {
                statuses.add(VALIDATOR.parseResult(Examples.valid(file)).orElseThrow().status());
            }
        }
        assertThat(statuses).containsExactlyInAnyOrder(ResultStatus.values());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("validFiles")
    void validExampleValidatesAndRoundTripsThroughTheRecords(String file) {
        MessageKind kind = Examples.kindOfFile(file);
        byte[] original = Examples.valid(file);

        ValidationResult result = VALIDATOR.validate(kind, original);
        assertThat(result.violations()).as("violations of %s", file).isEmpty();
        assertThat(result.outcome()).isEqualTo(ValidationResult.Outcome.VALID);

        Object record = Examples.parse(VALIDATOR, kind, original);
        assertThat(record).isInstanceOf(kind.javaType());

        byte[] written = ContractJson.toBytes(record);
        assertThat(VALIDATOR.validate(kind, written).violations()).as("violations after round trip").isEmpty();
        assertThat(VALIDATOR.validateValue(record).valid()).isTrue();
        assertThat(Examples.parse(VALIDATOR, kind, written)).isEqualTo(record);

        JsonNode before = ContractJson.mapper().readTree(original);
        JsonNode after = ContractJson.mapper().readTree(written);
        assertThat(before.equals(SAME_VALUE, after))
                .as("%s written back differs:%n  %s%n  %s", file, before, after).isTrue();
    }

    @Test
    void invalidIndexAndInvalidDirectoryMatch() {
        Map<String, Examples.Invalid> index = Examples.invalidIndex();
        List<String> files = Examples.fileNames("examples/invalid").stream()
                .filter(f -> !f.equals("index.json")).toList();
        assertThat(index.keySet()).containsExactlyInAnyOrderElementsOf(files);
        assertThat(files).hasSizeGreaterThanOrEqualTo(20);
        for (Examples.Invalid e : index.values()) {
            assertThat(e.paths()).as(e.file()).isNotEmpty();
            assertThat(e.keywords()).as(e.file()).isNotEmpty();
            assertThat(e.kind()).as(e.file()).isEqualTo(Examples.kindOfFile(e.file()));
        }
        // each kind has invalid examples
        assertThat(index.values().stream().map(Examples.Invalid::kind).distinct())
                .containsExactlyInAnyOrder(MessageKind.values());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidExamples")
    void invalidExampleIsRejectedAtItsIndexedPath(Examples.Invalid example) {
        byte[] json = Examples.invalid(example.file());
        ValidationResult result = VALIDATOR.validate(example.kind(), json);

        assertThat(result.outcome()).as("%s: %s", example.file(), example.description())
                .isEqualTo(ValidationResult.Outcome.INVALID);
        // exactly the indexed paths fail: each file carries one violation (possibly reported by two keywords)
        assertThat(result.paths()).as("%s: %s", example.file(), result)
                .containsExactlyInAnyOrderElementsOf(example.paths());
        assertThat(result.violations()).extracting(Violation::keyword).as(example.file())
                .containsAll(example.keywords());
        for (String path : example.paths()) {
            String field = lastSegment(path);
            assertThat(result.violations())
                    .filteredOn(v -> v.path().equals(path))
                    .as("%s: a message at %s naming '%s'", example.file(), path, field)
                    .anySatisfy(v -> assertThat(v.message()).contains(field));
        }
        assertThat(result.errorCode()).contains(ErrorCode.INVALID_REQUEST);

        ParseResult<?> parsed = Examples.tryParse(VALIDATOR, example.kind(), json);
        assertThat(parsed.valid()).isFalse();
        assertThat(parsed.value()).isEmpty();
        assertThatThrownBy(parsed::orElseThrow)
                .isInstanceOf(ContractViolationException.class)
                .satisfies(t -> assertThat(((ContractViolationException) t).result().paths())
                        .containsAll(example.paths()));
    }

    /** {@code $.a.b} → {@code b}; {@code $.a['x.y']} → {@code x.y}. */
    static String lastSegment(String path) {
        if (path.endsWith("']")) {
            return path.substring(path.lastIndexOf("['") + 2, path.length() - 2);
        }
        return path.substring(path.lastIndexOf('.') + 1);
    }
}
