package dev.step1x.worker.publish;

import static dev.step1x.worker.publish.StreamBridgeResultSink.cut;
import static dev.step1x.worker.publish.StreamBridgeResultSink.utf8;

import dev.step1x.contracts.Headers;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.support.KafkaHeaders;
import org.springframework.messaging.Message;
import org.springframework.messaging.support.MessageBuilder;

/**
 * Dead-letter messages: the original value, key and custom headers with the reason and origin headers; and, for one
 * too large for the producer, the same with the value cut to fit under its max.request.size, marked truncated with
 * the original size and SHA-256 (so the full record can still be found and checked against its source offset).
 */
final class DeadLetterMessages {

    private static final Logger log = LoggerFactory.getLogger(DeadLetterMessages.class);

    /** Room left for the record and batch framing (and header-name overhead) when a value is cut to fit. */
    static final int RECORD_OVERHEAD_BYTES = 4096;

    private final String workerId;
    private final int maxRecordBytes;

    DeadLetterMessages(String workerId, int maxRecordBytes) {
        if (maxRecordBytes <= RECORD_OVERHEAD_BYTES) {
            throw new IllegalArgumentException("max record size " + maxRecordBytes + " bytes leaves no room for a "
                    + "dead letter (more than " + RECORD_OVERHEAD_BYTES + " needed)");
        }
        this.workerId = workerId;
        this.maxRecordBytes = maxRecordBytes;
    }

    Message<byte[]> message(DeadLetter d, byte[] value, boolean truncated) {
        MessageBuilder<byte[]> m = MessageBuilder.withPayload(value);
        d.originalHeaders().forEach(m::setHeader);
        if (d.key() != null) {
            m.setHeader(KafkaHeaders.KEY, d.key());
        }
        m.setHeader(Headers.DLQ_REASON, utf8(cut(d.reason(), 4000)))
                .setHeader(Headers.DLQ_ERROR_CODE, utf8(d.code().name()))
                .setHeader(Headers.ORIGINAL_TOPIC, utf8(d.topic()))
                .setHeader(Headers.ORIGINAL_PARTITION, utf8(Integer.toString(d.partition())))
                .setHeader(Headers.ORIGINAL_OFFSET, utf8(Long.toString(d.offset())))
                .setHeader(Headers.ORIGINAL_TIMESTAMP, utf8(Long.toString(d.timestamp())))
                .setHeader(Headers.WORKER_ID, utf8(workerId));
        if (truncated) {
            byte[] original = d.value() == null ? new byte[0] : d.value();
            m.setHeader(Headers.DLQ_TRUNCATED, utf8("true"))
                    .setHeader(Headers.DLQ_ORIGINAL_SIZE, utf8(Integer.toString(original.length)))
                    .setHeader(Headers.DLQ_ORIGINAL_SHA256, utf8(sha256(original)));
        }
        return m.build();
    }

    /** The dead letter with its value cut so that value, key and headers fit under the producer's limit. */
    Message<byte[]> truncated(DeadLetter d, byte[] value) {
        Message<byte[]> empty = message(d, new byte[0], true);
        int room = maxRecordBytes - RECORD_OVERHEAD_BYTES - (d.key() == null ? 0 : d.key().length)
                - headerBytes(empty);
        byte[] cut = Arrays.copyOf(value, Math.max(0, Math.min(value.length, room)));
        log.warn("dead letter {}-{}@{} is too large for the producer ({} bytes, limit {}): sending its first {} bytes",
                d.topic(), d.partition(), d.offset(), value.length, maxRecordBytes, cut.length);
        return message(d, cut, true);
    }

    /** Bytes the message's headers take on the wire (names and values; the key header excluded). */
    private static int headerBytes(Message<byte[]> m) {
        int n = 0;
        for (Map.Entry<String, Object> h : m.getHeaders().entrySet()) {
            if (h.getKey().equals(KafkaHeaders.KEY)) {
                continue;
            }
            n += h.getKey().length() + (h.getValue() instanceof byte[] b ? b.length : String.valueOf(h.getValue()).length());
        }
        return n;
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JVM lacks SHA-256", e);
        }
    }

}
