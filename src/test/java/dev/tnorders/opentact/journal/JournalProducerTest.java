package dev.tnorders.opentact.journal;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.UnknownProducerIdException;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the journal does with its producer when a transaction fails, with Kafka's MockProducer
 * standing in for each producer the journal starts (the real broker: {@code OrderJournalIT}).
 */
class JournalProducerTest {

    private final List<MockProducer<String, String>> made = new ArrayList<>();
    private final List<String> ids = new ArrayList<>();
    private final AtomicLong now = new AtomicLong(1_000_000);
    private final AtomicInteger fenced = new AtomicInteger();
    // Set on the next producer made (e.g. its initTransactions times out: Kafka still away).
    private RuntimeException nextInitFails;
    private JournalProducer journal;

    @BeforeEach
    void start() {
        journal = new JournalProducer("journal-1", id -> {
            MockProducer<String, String> p = new MockProducer<>(true, new StringSerializer(), new StringSerializer());
            p.initTransactionException = nextInitFails;
            made.add(p);
            ids.add(id);
            return p;
        }, now::get);
        journal.onFenced(fenced::incrementAndGet);
        journal.start();
    }

    private MockProducer<String, String> current() {
        return made.get(made.size() - 1);
    }

    private RuntimeException write(String key) {
        return journal.transaction(p -> p.send(new ProducerRecord<>("journal", 0, key, "{}")),
                "could not write the order journal for request " + key);
    }

    @Test
    void aWriteCommitsAndTheProducerIsKept() {
        assertThat(write("r1")).isNull();
        assertThat(write("r2")).isNull();
        assertThat(made).hasSize(1);
        assertThat(current().commitCount()).isEqualTo(2);
        assertThat(journal.problem()).isNull();
    }

    /** The bug this class exists for: after a commit that timed out, Kafka's producer refuses to abort and to begin. */
    @Test
    void aCommitThatTimedOutClosesTheProducerAndTheNextWriteStartsANewOneWithTheSameId() {
        MockProducer<String, String> first = current();
        first.commitTransactionException = new TimeoutException("Timeout expired after 3000ms while awaiting EndTxn(true)");
        first.abortTransactionException = new IllegalStateException("Cannot attempt operation `abortTransaction` because "
                + "the previous call to `commitTransaction` timed out and must be retried");

        RuntimeException failed = write("r1");
        assertThat(failed).isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("could not write the order journal for request r1: committing its transaction "
                        + "failed: TimeoutException: Timeout expired after 3000ms while awaiting EndTxn(true)")
                .hasMessageContaining("closed and a new one is started at the next write");
        assertThat(first.closed()).isTrue();
        assertThat(journal.needsStart()).isTrue();
        now.addAndGet(70_000);
        assertThat(journal.problem()).isEqualTo("cannot write since 1970-01-01T00:16:40Z (70 s): committing its transaction "
                + "failed: TimeoutException: Timeout expired after 3000ms while awaiting EndTxn(true)");

        assertThat(write("r2")).isNull();
        assertThat(made).hasSize(2);
        assertThat(ids).containsExactly("journal-1", "journal-1"); // initTransactions ends what the old one left open
        assertThat(current().transactionInitialized()).isTrue();
        assertThat(current().history()).extracting(ProducerRecord::key).containsExactly("r2");
        assertThat(journal.problem()).isNull();
        assertThat(fenced).as("not fenced: the consumers keep their partitions").hasValue(0);
    }

    @Test
    void whileKafkaIsStillAwayEachWriteTriesToStartAProducerAndSaysWhyItCannot() {
        current().beginTransactionException = new IllegalStateException("Cannot perform operation after producer has been closed");
        assertThat(write("r1")).hasMessageContaining("beginning its transaction failed");

        nextInitFails = new TimeoutException("Timeout expired after 3000ms while awaiting InitProducerId");
        RuntimeException refused = write("r2");
        assertThat(refused).isInstanceOf(IllegalStateException.class).hasMessage("could not write the order journal for "
                + "request r2: the order journal cannot write: its producer could not be started again (transactional id "
                + "'journal-1', attempt 1): TimeoutException: Timeout expired after 3000ms while awaiting InitProducerId; "
                + "tried again at the next write");
        assertThat(current().closed()).as("the producer that could not start is closed").isTrue();
        assertThat(journal.ensureStarted()).hasMessageContaining("attempt 2");
        assertThat(journal.problem()).contains("its producer could not be started again").contains("attempt 2");
        assertThat(made).hasSize(3);

        nextInitFails = null; // Kafka is back
        assertThat(write("r3")).isNull();
        assertThat(made).hasSize(4);
        assertThat(journal.problem()).isNull();
    }

    @Test
    void aProducerStartedAgainWithoutAWriteIsEnoughForTheJournalToSayItCanWrite() {
        current().commitTransactionException = new UnknownProducerIdException("unknown producer id");
        assertThat(write("r1")).hasMessageContaining("UnknownProducerIdException");
        assertThat(journal.problem()).isNotNull();
        assertThat(journal.ensureStarted()).isNull();
        assertThat(journal.needsStart()).isFalse();
        assertThat(journal.problem()).isNull();
    }

    @Test
    void aFencedProducerIsReplacedByOneWithAnIdOfItsOwnAndTheConsumersAreTold() {
        current().commitTransactionException = new ProducerFencedException("There is a newer producer with the same transactionalId");
        RuntimeException failed = write("r1");
        assertThat(failed).isInstanceOf(IllegalStateException.class).hasMessageContaining("fenced")
                .hasMessageContaining("this write is given up");
        assertThat(fenced).hasValue(1);
        assertThat(made.get(0).closed()).isTrue();

        assertThat(write("r2")).isNull();
        assertThat(ids.get(1)).startsWith("journal-1-").isNotEqualTo("journal-1");
        assertThat(journal.transactionalId()).isEqualTo(ids.get(1));
        // A later failure that only needs a new producer keeps the new id.
        current().commitTransactionException = new TimeoutException("timed out");
        assertThat(write("r3")).isNotNull();
        assertThat(write("r4")).isNull();
        assertThat(ids.get(2)).isEqualTo(ids.get(1));
        assertThat(fenced).hasValue(1);
    }

    @Test
    void aRebalanceAbortsAndIsTriedAgainByTheCallerWithTheSameProducer() {
        current().sendOffsetsToTransactionException = new CommitFailedException("generation moved on");
        RuntimeException failed = journal.transaction(p -> p.sendOffsetsToTransaction(
                Map.of(new TopicPartition("requests", 0), new OffsetAndMetadata(1)),
                new ConsumerGroupMetadata("g")), "could not write");
        assertThat(failed).isInstanceOf(FencedWriteException.class);
        assertThat(current().transactionAborted()).isTrue();
        assertThat(made).hasSize(1);
        assertThat(journal.problem()).as("a rebalance is no reason for readiness").isNull();
    }

    @Test
    void anAbortableErrorAbortsKeepsTheProducerAndCountsAsCannotWriteUntilAWriteCommits() {
        current().commitTransactionException = new TopicAuthorizationException("Not authorized to access topics: [outcomes]");
        assertThat(write("r1")).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("TopicAuthorizationException: Not authorized to access topics: [outcomes]");
        assertThat(current().transactionAborted()).isTrue();
        assertThat(current().closed()).isFalse();
        assertThat(journal.problem()).contains("TopicAuthorizationException");

        current().commitTransactionException = null;
        assertThat(write("r2")).isNull();
        assertThat(made).hasSize(1);
        assertThat(journal.problem()).isNull();
    }

    @Test
    void anAbortThatFailsClosesTheProducer() {
        current().commitTransactionException = new TopicAuthorizationException("Not authorized");
        current().abortTransactionException = new TimeoutException("Timeout expired while awaiting EndTxn(false)");
        assertThat(write("r1")).isNotNull();
        assertThat(made.get(0).closed()).isTrue();
        assertThat(journal.needsStart()).isTrue();
        assertThat(write("r2")).isNull();
        assertThat(made).hasSize(2);
    }
}
