package dev.step1x.contracts;

/** Thrown by {@link ParseResult#orElseThrow()} for a message that is not valid. */
public class ContractViolationException extends RuntimeException {

    private final transient ValidationResult result;

    public ContractViolationException(ValidationResult result) {
        super(result.toString());
        this.result = result;
    }

    /** The full validation result, with every violation. */
    public ValidationResult result() {
        return result;
    }
}
