package dev.step1x.contracts;

import java.util.Objects;
import java.util.Optional;

/**
 * A validated message and, when it is valid, the record it maps to. The record is exactly what was sent
 * (defaults not applied; see {@link EditRequest#withDefaults()}).
 *
 * @param <T> the record type
 */
public final class ParseResult<T> {

    private final ValidationResult validation;
    private final T value;

    ParseResult(ValidationResult validation, T value) {
        this.validation = Objects.requireNonNull(validation);
        this.value = value;
        if (validation.valid() != (value != null)) {
            throw new IllegalArgumentException("value must be present exactly when valid");
        }
    }

    /** The validation outcome and violations. */
    public ValidationResult validation() {
        return validation;
    }

    /** True when the message is valid and {@link #value()} is present. */
    public boolean valid() {
        return validation.valid();
    }

    /** The record, present exactly when valid. */
    public Optional<T> value() {
        return Optional.ofNullable(value);
    }

    /** The record, or a {@link ContractViolationException} carrying the violations. */
    public T orElseThrow() {
        if (value == null) {
            throw new ContractViolationException(validation);
        }
        return value;
    }

    @Override
    public String toString() {
        return validation.valid() ? "VALID " + value : validation.toString();
    }
}
