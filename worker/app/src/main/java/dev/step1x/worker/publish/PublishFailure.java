package dev.step1x.worker.publish;

import java.util.IdentityHashMap;
import java.util.Map;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.InvalidRequiredAcksException;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.errors.RecordBatchTooLargeException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.errors.UnsupportedForMessageFormatException;

/**
 * What a failed send means: {@link Kind#TERMINAL} when sending the same record again can never succeed (the record
 * is too large, cannot be serialized, the topic name is invalid, or the producer may not write or authenticate),
 * else {@link Kind#RETRIABLE}. Anything not known to be terminal is retried: a lost answer is worse than a late one,
 * so only errors that no wait can cure take the terminal path.
 *
 * @param kind   retriable or terminal
 * @param reason the simple class name of the Kafka exception that decided (e.g. {@code RecordTooLargeException}),
 *               else of the innermost cause; a low-cardinality metric tag
 * @param cause  the exception the reason names
 */
public record PublishFailure(Kind kind, String reason, Throwable cause) {

    /** Whether waiting and sending the same record again may succeed. */
    public enum Kind {
        RETRIABLE, TERMINAL
    }

    /** Producer errors that the same record meets on every attempt. */
    private static final Class<?>[] TERMINAL = {
        RecordTooLargeException.class, RecordBatchTooLargeException.class, SerializationException.class,
        AuthorizationException.class, AuthenticationException.class, InvalidTopicException.class,
        InvalidRecordException.class, UnsupportedForMessageFormatException.class, InvalidRequiredAcksException.class
    };

    /** Classifies a send failure by walking its cause chain (wrappers of Spring Messaging and Spring Kafka included). */
    public static PublishFailure classify(Throwable failure) {
        if (failure == null) {
            throw new IllegalArgumentException("no failure to classify");
        }
        Map<Throwable, Boolean> seen = new IdentityHashMap<>();
        Throwable innermost = failure;
        for (Throwable t = failure; t != null && seen.put(t, Boolean.TRUE) == null; t = t.getCause()) {
            if (t instanceof RetriableException) {
                return new PublishFailure(Kind.RETRIABLE, t.getClass().getSimpleName(), t);
            }
            for (Class<?> terminal : TERMINAL) {
                if (terminal.isInstance(t)) {
                    return new PublishFailure(Kind.TERMINAL, t.getClass().getSimpleName(), t);
                }
            }
            innermost = t;
        }
        return new PublishFailure(Kind.RETRIABLE, innermost.getClass().getSimpleName(), innermost);
    }

    public boolean terminal() {
        return kind == Kind.TERMINAL;
    }

    /** True when the record itself was too large for the producer or the broker. */
    public boolean tooLarge() {
        return cause instanceof RecordTooLargeException || cause instanceof RecordBatchTooLargeException;
    }
}
