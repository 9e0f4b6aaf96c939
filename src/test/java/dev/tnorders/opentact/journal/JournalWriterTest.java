package dev.tnorders.opentact.journal;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import com.fasterxml.jackson.databind.ObjectMapper;

import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import dev.tnorders.opentact.model.RecordHeaders;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The journal's writer thread and its transactions, with Kafka's MockProducer standing in for each
 * producer it starts (the real broker: {@code OrderJournalIT}, {@code OwnershipFencingIT}).
 */
class JournalWriterTest {

    private final List<MockProducer<String, String>> made = new CopyOnWriteArrayList<>();
    private final JournalIndex index = new JournalIndex(new SpendLedger(), 10);
    private final byte[] writerId = "writer-a".getBytes(StandardCharsets.UTF_8);
    private volatile Fencing fencing;
    private JournalWriter writer;

    @BeforeEach
    void start() {
        writer = new JournalWriter("journal", "tx-a", id -> {
            MockProducer<String, String> p = new MockProducer<>(true, new StringSerializer(), new StringSerializer());
            made.add(p);
            return p;
        }, writerId, new ObjectMapper(), index, Clock.systemUTC(), new Object(), () -> fencing,
                LoggerFactory.getLogger(JournalWriterTest.class));
        writer.startProducer();
        writer.start();
    }

    @AfterEach
    void stop() {
        writer.stop();
        writer.closeProducer();
    }

    private MockProducer<String, String> current() {
        return made.get(made.size() - 1);
    }

    private static JournalEntry entry(String id, JournalEntry.Phase phase) {
        return new JournalEntry(id, phase, List.of("+12012000001"), "u1", "2026-11-25", null, null, null);
    }

    /** A fence per member ("m-" + the request id's first character), counting acquisitions and closes. */
    private final class Members implements Fencing {
        final AtomicInteger acquired = new AtomicInteger();
        final AtomicInteger closed = new AtomicInteger();
        Consumer<Integer> onAcquire = n -> { };

        @Override
        public Fence acquire(Collection<String> requestIds) {
            onAcquire.accept(acquired.incrementAndGet());
            String member = "m-" + requestIds.iterator().next().charAt(0);
            return new Fence() {
                @Override
                public ConsumerGroupMetadata member() {
                    return new ConsumerGroupMetadata(member);
                }

                @Override
                public Map<TopicPartition, OffsetAndMetadata> offsets() {
                    return Map.of(new TopicPartition("requests", 0), new OffsetAndMetadata(5));
                }

                @Override
                public String key() {
                    return member;
                }

                @Override
                public void close() {
                    closed.incrementAndGet();
                }
            };
        }
    }

    @Test
    void aWriteSendsTheResultsThenTheEntriesInOneTransactionAndRemembersTheEntriesOnceCommitted() {
        ProducerRecord<String, String> outcome = new ProducerRecord<>("outcomes", "r1", "{\"status\":\"ok\"}");
        writer.transaction(List.of(entry("r1", JournalEntry.Phase.done)), List.of(outcome));

        assertThat(current().commitCount()).isEqualTo(1);
        List<ProducerRecord<String, String>> sent = current().history();
        assertThat(sent).hasSize(2);
        assertThat(sent.get(0)).isSameAs(outcome);
        ProducerRecord<String, String> entry = sent.get(1);
        assertThat(entry.topic()).isEqualTo("journal");
        assertThat(entry.key()).isEqualTo("r1");
        assertThat(entry.value()).contains("\"phase\":\"done\"");
        assertThat(entry.headers().lastHeader(RecordHeaders.JOURNAL_WRITER).value()).isEqualTo(writerId);
        assertThat(new String(entry.headers().lastHeader(RecordHeaders.JOURNAL_PHASE).value(), StandardCharsets.UTF_8))
                .isEqualTo("done");
        assertThat(index.phaseOf("r1")).isEqualTo(JournalEntry.Phase.done);
    }

    @Test
    void aTransactionThatFailedRemembersNothingAndItsCallerGetsTheError() {
        current().commitTransactionException = new TimeoutException("Timeout expired while awaiting EndTxn(true)");

        assertThatThrownBy(() -> writer.transaction(List.of(entry("r1", JournalEntry.Phase.intent)), List.of()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("could not write the order journal for request r1: committing its transaction");
        assertThat(index.phaseOf("r1")).isNull();
        assertThat(current().closed()).isTrue();

        // Readiness asks the writer thread to start a new producer (without waiting for it), until it did.
        await().atMost(Duration.ofSeconds(10)).until(() -> writer.writeProblem() == null && made.size() == 2);
        writer.transaction(List.of(entry("r1", JournalEntry.Phase.intent)), List.of());
        assertThat(index.phaseOf("r1")).isEqualTo(JournalEntry.Phase.intent);
    }

    @Test
    void aFencedWriteCarriesItsMembersOffsetsAndReleasesTheFence() {
        Members members = new Members();
        fencing = members;
        writer.transaction(List.of(entry("a1", JournalEntry.Phase.intent)), List.of());
        writer.transaction(List.of(entry("b1", JournalEntry.Phase.intent)), List.of());

        assertThat(current().commitCount()).isEqualTo(2);
        assertThat(current().consumerGroupOffsetsHistory()).extracting(m -> m.keySet())
                .containsExactly(Set.of("m-a"), Set.of("m-b"));
        assertThat(members.acquired).hasValue(2);
        assertThat(members.closed).hasValue(2);
    }

    @Test
    void aRequestNoLongerOwnedIsNotWritten() {
        fencing = requestIds -> {
            throw new Fencing.NotOwnedException("partition requests-0 was given to another consumer");
        };
        assertThatThrownBy(() -> writer.transaction(List.of(entry("r1", JournalEntry.Phase.intent)), List.of()))
                .isInstanceOf(Fencing.NotOwnedException.class);
        assertThat(current().history()).isEmpty();
        assertThat(index.phaseOf("r1")).isNull();
    }

    @Test
    void aWriteRefusedDuringARebalanceIsTriedAgainAsTheOwner() {
        Members members = new Members();
        current().sendOffsetsToTransactionException = new CommitFailedException("generation moved on");
        members.onAcquire = n -> {
            if (n == 2) {
                current().sendOffsetsToTransactionException = null; // the consumer saw its new generation
            }
        };
        fencing = members;

        writer.transaction(List.of(entry("a1", JournalEntry.Phase.placed)), List.of());

        assertThat(members.acquired).hasValue(2);
        assertThat(members.closed).hasValue(2);
        assertThat(made).hasSize(1);
        assertThat(current().commitCount()).isEqualTo(1);
        assertThat(index.phaseOf("a1")).isEqualTo(JournalEntry.Phase.placed);
    }
}
