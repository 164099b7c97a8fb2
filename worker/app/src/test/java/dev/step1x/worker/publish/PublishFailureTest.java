package dev.step1x.worker.publish;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.ExecutionException;
import org.apache.kafka.common.errors.NotEnoughReplicasException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.springframework.kafka.core.KafkaProducerException;
import org.springframework.messaging.MessageHandlingException;
import org.springframework.messaging.support.MessageBuilder;

class PublishFailureTest {

    /** How a synchronous Spring Cloud Stream Kafka send reports a producer error: wrapped twice. */
    private static RuntimeException asStreamBridgeThrows(Throwable producerError) {
        KafkaProducerException kafka = new KafkaProducerException(new ProducerRecord<>("t", "v"), "Failed to send",
                producerError);
        return new MessageHandlingException(MessageBuilder.withPayload("v").build(), "error occurred in message handler",
                new ExecutionException(kafka));
    }

    @Test
    void recordTooLargeIsTerminalAndTooLarge() {
        PublishFailure f = PublishFailure.classify(asStreamBridgeThrows(new RecordTooLargeException(
                "The message is 1100000 bytes when serialized which is larger than 1048576")));
        assertThat(f.kind()).isEqualTo(PublishFailure.Kind.TERMINAL);
        assertThat(f.reason()).isEqualTo("RecordTooLargeException");
        assertThat(f.tooLarge()).isTrue();
    }

    @Test
    void authorizationSerializationAndInvalidTopicAreTerminalButNotTooLarge() {
        for (RuntimeException e : new RuntimeException[] {new TopicAuthorizationException("not allowed"),
                new SaslAuthenticationException("bad password"), new SerializationException("cannot serialize"),
                new InvalidTopicException("bad name")}) {
            PublishFailure f = PublishFailure.classify(asStreamBridgeThrows(e));
            assertThat(f.terminal()).as(e.toString()).isTrue();
            assertThat(f.tooLarge()).as(e.toString()).isFalse();
            assertThat(f.reason()).isEqualTo(e.getClass().getSimpleName());
        }
    }

    @Test
    void retriableKafkaErrorsAreRetried() {
        for (RuntimeException e : new RuntimeException[] {new NotEnoughReplicasException("min.insync.replicas"),
                new TimeoutException("Expiring 1 record(s)"), new UnknownTopicOrPartitionException("not yet")}) {
            PublishFailure f = PublishFailure.classify(asStreamBridgeThrows(e));
            assertThat(f.kind()).as(e.toString()).isEqualTo(PublishFailure.Kind.RETRIABLE);
            assertThat(f.reason()).isEqualTo(e.getClass().getSimpleName());
        }
    }

    @Test
    void anythingUnknownIsRetriedAndNamedByItsInnermostCause() {
        PublishFailure f = PublishFailure.classify(new IllegalStateException("StreamBridge refused the message",
                new java.io.IOException("socket closed")));
        assertThat(f.kind()).isEqualTo(PublishFailure.Kind.RETRIABLE);
        assertThat(f.reason()).isEqualTo("IOException");
    }

    @Test
    void aRetriableCauseOutsideATerminalWrapperDecidesFirst() {
        // the outermost Kafka error decides: a timeout around a too-large record is still a timeout
        PublishFailure f = PublishFailure.classify(new TimeoutException("timed out", new RecordTooLargeException("x")));
        assertThat(f.kind()).isEqualTo(PublishFailure.Kind.RETRIABLE);
    }

    @Test
    void aCyclicCauseChainEnds() {
        RuntimeException a = new RuntimeException("a");
        RuntimeException b = new RuntimeException("b", a);
        a.initCause(b);
        assertThat(PublishFailure.classify(a).kind()).isEqualTo(PublishFailure.Kind.RETRIABLE);
    }

    @Test
    void nothingToClassifyIsAClearError() {
        assertThatThrownBy(() -> PublishFailure.classify(null)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no failure");
    }
}
