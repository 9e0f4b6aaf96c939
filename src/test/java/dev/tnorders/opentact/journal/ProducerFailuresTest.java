package dev.tnorders.opentact.journal;

import java.util.stream.Stream;

import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.ClusterAuthorizationException;
import org.apache.kafka.common.errors.FencedInstanceIdException;
import org.apache.kafka.common.errors.GroupAuthorizationException;
import org.apache.kafka.common.errors.IllegalGenerationException;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.InvalidTxnStateException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.RebalanceInProgressException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.TransactionalIdAuthorizationException;
import org.apache.kafka.common.errors.UnknownMemberIdException;
import org.apache.kafka.common.errors.UnknownProducerIdException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import dev.tnorders.opentact.journal.ProducerFailures.Action;

import static org.assertj.core.api.Assertions.assertThat;

class ProducerFailuresTest {

    /** The producer's wrapper once it is in an error state: the real error is its cause. */
    private static KafkaException errorState(Throwable cause) {
        return new KafkaException("Cannot execute transactional method because we are in an error state", cause);
    }

    static Stream<Arguments> failures() {
        return Stream.of(
                // Kafka did not answer in time: a commit, abort or sendOffsets that timed out waits for a retry of that call.
                Arguments.of(new TimeoutException("Timeout expired after 60000ms while awaiting EndTxn(true)"), Action.REBUILD),
                Arguments.of(new TimeoutException("Topic t not present in metadata after 60000 ms."), Action.REBUILD),
                Arguments.of(new KafkaException("send failed", new TimeoutException("expired")), Action.REBUILD),
                // The producer's state machine refuses the call.
                Arguments.of(new IllegalStateException("Cannot attempt operation `abortTransaction` because the previous "
                        + "call to `commitTransaction` timed out and must be retried"), Action.REBUILD),
                Arguments.of(new IllegalStateException("TransactionalId t: Invalid transition attempted from state "
                        + "COMMITTING_TRANSACTION to state ABORTING_TRANSACTION"), Action.REBUILD),
                Arguments.of(new IllegalStateException("Cannot perform operation after producer has been closed"), Action.REBUILD),
                // Fatal errors of the producer.
                Arguments.of(new UnknownProducerIdException("unknown producer id"), Action.REBUILD),
                Arguments.of(errorState(new UnknownProducerIdException("unknown producer id")), Action.REBUILD),
                Arguments.of(new OutOfOrderSequenceException("out of order"), Action.REBUILD),
                Arguments.of(errorState(new OutOfOrderSequenceException("out of order")), Action.REBUILD),
                Arguments.of(new InvalidTxnStateException("invalid txn state"), Action.REBUILD),
                Arguments.of(new UnsupportedVersionException("old broker"), Action.REBUILD),
                Arguments.of(new SaslAuthenticationException("bad password"), Action.REBUILD),
                Arguments.of(new TransactionalIdAuthorizationException("not allowed"), Action.REBUILD),
                Arguments.of(new ClusterAuthorizationException("not allowed"), Action.REBUILD),
                Arguments.of(new InterruptException(new InterruptedException()), Action.REBUILD),
                // Fenced: its id taken over, or its epoch ended at the broker.
                Arguments.of(new ProducerFencedException("fenced"), Action.REBUILD_WITH_NEW_ID),
                Arguments.of(new InvalidProducerEpochException("epoch"), Action.REBUILD_WITH_NEW_ID),
                Arguments.of(errorState(new ProducerFencedException("fenced")), Action.REBUILD_WITH_NEW_ID),
                // The consumer group moved on (KIP-447): the producer is sound, the write is tried again as the owner.
                Arguments.of(new CommitFailedException("generation"), Action.RETRY_AS_OWNER),
                Arguments.of(new RebalanceInProgressException("rebalance"), Action.RETRY_AS_OWNER),
                Arguments.of(new IllegalGenerationException("generation"), Action.RETRY_AS_OWNER),
                Arguments.of(new UnknownMemberIdException("member"), Action.RETRY_AS_OWNER),
                Arguments.of(new FencedInstanceIdException("instance"), Action.RETRY_AS_OWNER),
                Arguments.of(new KafkaException("offsets", new CommitFailedException("generation")), Action.RETRY_AS_OWNER),
                // Only this transaction failed (abortable): abort it, keep the producer.
                Arguments.of(new TopicAuthorizationException("not allowed"), Action.ABORT),
                Arguments.of(errorState(new TopicAuthorizationException("not allowed")), Action.ABORT),
                Arguments.of(new GroupAuthorizationException("not allowed"), Action.ABORT),
                Arguments.of(new RecordTooLargeException("too large"), Action.ABORT),
                Arguments.of(new KafkaException("something else"), Action.ABORT));
    }

    @ParameterizedTest
    @MethodSource("failures")
    void eachFailureKindHasItsAction(RuntimeException failure, Action expected) {
        assertThat(ProducerFailures.of(failure)).as(failure.toString()).isEqualTo(expected);
    }

    @Test
    void theDescriptionNamesTheRealErrorBehindTheErrorStateWrapper() {
        assertThat(ProducerFailures.describe(errorState(new UnknownProducerIdException("unknown producer id 7"))))
                .isEqualTo("KafkaException: Cannot execute transactional method because we are in an error state "
                        + "(UnknownProducerIdException: unknown producer id 7)");
        assertThat(ProducerFailures.describe(new TimeoutException("Timeout expired after 3000ms while awaiting EndTxn(true)")))
                .isEqualTo("TimeoutException: Timeout expired after 3000ms while awaiting EndTxn(true)");
    }
}
