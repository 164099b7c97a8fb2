package dev.step1x.worker.publish;

import dev.step1x.contracts.ErrorCode;
import java.util.Map;

/**
 * A request record to dead-letter: the original bytes and key unchanged, the original custom headers, the
 * reason and where it came from.
 */
public record DeadLetter(byte[] value, byte[] key, Map<String, byte[]> originalHeaders, ErrorCode code, String reason,
        String topic, int partition, long offset, long timestamp) {}
