package dev.step1x.contracts;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * What {@link ContractValidator} found in one message: {@link Outcome#VALID}, {@link Outcome#INVALID}
 * (JSON object that violates the schema: answer REJECTED with {@link ErrorCode#INVALID_REQUEST}) or
 * {@link Outcome#UNPARSEABLE} (not JSON, or JSON but not an object: dead-letter it with
 * {@link ErrorCode#UNPARSEABLE_REQUEST}). Immutable.
 */
public final class ValidationResult {

    /** The three ways a message can be classified. */
    public enum Outcome {
        /** Conforms to the schema. */
        VALID,
        /** A JSON object that violates the schema; {@link #violations()} lists every violation. */
        INVALID,
        /** Not a JSON object at all (malformed, empty, an array, a string, {@code null}, ...). */
        UNPARSEABLE
    }

    private final MessageKind kind;
    private final Outcome outcome;
    private final List<Violation> violations;
    private final String requestId;

    ValidationResult(MessageKind kind, Outcome outcome, List<Violation> violations, String requestId) {
        this.kind = Objects.requireNonNull(kind);
        this.outcome = Objects.requireNonNull(outcome);
        this.violations = List.copyOf(violations);
        this.requestId = requestId;
        if ((outcome == Outcome.VALID) != this.violations.isEmpty()) {
            throw new IllegalArgumentException(outcome + " with " + this.violations.size() + " violations");
        }
    }

    /** The schema the message was checked against. */
    public MessageKind kind() {
        return kind;
    }

    public Outcome outcome() {
        return outcome;
    }

    /** True when the message conforms to the schema. */
    public boolean valid() {
        return outcome == Outcome.VALID;
    }

    /** True when the message is not a JSON object at all. */
    public boolean unparseable() {
        return outcome == Outcome.UNPARSEABLE;
    }

    /**
     * Every violation found, in the validator's order; empty if and only if {@link #valid()}. An unparseable
     * message has exactly one, with keyword {@value Violation#UNPARSEABLE} and path {@code $}.
     */
    public List<Violation> violations() {
        return violations;
    }

    /** The distinct paths of {@link #violations()}. */
    public List<String> paths() {
        return violations.stream().map(Violation::path).distinct().collect(Collectors.toList());
    }

    /**
     * The message's {@code requestId} if it has a well-formed one, even when other fields are invalid, so
     * that an invalid request can still be answered REJECTED under its own key. Empty for metrics, for
     * unparseable messages, and when requestId is missing or malformed.
     */
    public Optional<String> requestId() {
        return Optional.ofNullable(requestId);
    }

    /** The error code a worker answers with: empty when valid. */
    public Optional<ErrorCode> errorCode() {
        return switch (outcome) {
            case VALID -> Optional.empty();
            case INVALID -> Optional.of(ErrorCode.INVALID_REQUEST);
            case UNPARSEABLE -> Optional.of(ErrorCode.UNPARSEABLE_REQUEST);
        };
    }

    /**
     * The violation messages joined with "; ", cut to at most {@code maxChars} characters (ending in "...");
     * suitable for {@link EditResult.ErrorDetail#message()} or a dead-letter header. "valid" when valid.
     */
    public String summary(int maxChars) {
        if (maxChars < 3) {
            throw new IllegalArgumentException("maxChars < 3");
        }
        String all = valid() ? "valid"
                : violations.stream().map(Violation::message).collect(Collectors.joining("; "));
        if (all.length() <= maxChars) {
            return all;
        }
        int cut = maxChars - 3;
        if (Character.isHighSurrogate(all.charAt(cut - 1))) {
            cut--;
        }
        return all.substring(0, cut) + "...";
    }

    @Override
    public String toString() {
        return kind + " " + outcome + (valid() ? "" : ": " + summary(2000));
    }
}
