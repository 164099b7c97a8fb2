package dev.step1x.engine.lora;

import java.io.IOException;
import java.util.List;

/** A LoRA file (or several) that does not fit the DiT; the message lists every problem at once. */
public final class LoraMismatchException extends IOException {

    private final transient List<String> problems;

    public LoraMismatchException(String what, List<String> problems) {
        super(what + " (" + problems.size() + " problem" + (problems.size() == 1 ? "" : "s") + "):\n  - "
                + String.join("\n  - ", problems));
        this.problems = List.copyOf(problems);
    }

    public List<String> problems() {
        return problems;
    }
}
