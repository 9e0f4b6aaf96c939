package dev.tnorders.opentact.intake;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A requests consumer's rebalances, with Kafka's MockConsumer (no broker): a partition revoked has
 * its finished work committed before it is fenced; a partition lost commits nothing.
 */
class RebalancesTest {

    private static final String TOPIC = "requests";
    private static final TopicPartition P0 = new TopicPartition(TOPIC, 0);
    private static final TopicPartition P1 = new TopicPartition(TOPIC, 1);

    /** What happened, in order, with whether partition 0 was still owned (not fenced) then. */
    private final List<String> events = new ArrayList<>();
    private final PartitionOwners owners = new PartitionOwners(TOPIC);
    private final MockConsumer<String, String> consumer = new MockConsumer<>(OffsetResetStrategy.EARLIEST) {
        @Override
        public void commitSync(Map<TopicPartition, OffsetAndMetadata> offsets, Duration timeout) {
            events.add("commit " + offsets.keySet() + (owners.owns(0) ? " owned" : " fenced"));
            super.commitSync(offsets, timeout);
        }
    };
    private final List<ConsumerRecord<String, String>> buffer = new ArrayList<>();
    private final CommitBook book = new CommitBook(TOPIC, owners, () -> consumer, buffer);
    private final Rebalances rebalances = new Rebalances(0, owners, null, () -> consumer, book, buffer, this::cancel);

    private void cancel(Collection<Integer> partitions, String why) {
        events.add("cancel " + partitions + " (" + why + ")" + (owners.owns(0) ? " owned" : " fenced"));
    }

    @BeforeEach
    void take() {
        consumer.assign(List.of(P0, P1));
        consumer.updateBeginningOffsets(Map.of(P0, 10L, P1, 0L));
        rebalances.onPartitionsAssigned(List.of(P0, P1));
        for (long o = 10; o < 14; o++) {
            book.polled(0, o);
        }
        book.polled(1, 0);
        buffer.addAll(List.of(new ConsumerRecord<>(TOPIC, 0, 14, "k", "v"), new ConsumerRecord<>(TOPIC, 1, 1, "k", "v")));
        book.finished(Map.of(0, List.of(10L, 11L)), null); // 12, 13 still in flight
    }

    private Long committed(TopicPartition tp) {
        OffsetAndMetadata o = consumer.committed(Set.of(tp)).get(tp);
        return o == null ? null : o.offset();
    }

    @Test
    void takenPartitionsAreOwnedFromTheirPosition() {
        assertThat(owners.owns(0)).isTrue();
        assertThat(owners.owns(1)).isTrue();
        assertThat(book.owns(0)).isTrue();
        assertThat(book.owns(1)).isTrue();
    }

    @Test
    void aRevokedPartitionsFinishedWorkIsCommittedBeforeItIsFenced() {
        rebalances.onPartitionsRevoked(List.of(P0));

        assertThat(committed(P0)).as("10 and 11 finished; 12 still in flight").isEqualTo(12L);
        assertThat(events).containsExactly("commit [requests-0] owned", "cancel [0] (partitions revoked) owned");
        assertThat(owners.owns(0)).as("fenced").isFalse();
        assertThat(book.owns(0)).isFalse();
        assertThat(buffer).extracting(ConsumerRecord::partition).containsExactly(1);
        assertThat(owners.owns(1)).as("the other partition stays").isTrue();
        assertThat(book.owns(1)).isTrue();
    }

    @Test
    void aLostPartitionCommitsNothing() {
        rebalances.onPartitionsLost(List.of(P0));

        assertThat(committed(P0)).isNull();
        assertThat(events).containsExactly("cancel [0] (partitions lost) owned");
        assertThat(owners.owns(0)).as("fenced").isFalse();
        assertThat(book.owns(0)).isFalse();
        assertThat(buffer).extracting(ConsumerRecord::partition).containsExactly(1);

        book.settle();
        assertThat(committed(P0)).as("what finished on it is not this consumer's to commit any more").isNull();
    }

    @Test
    void nothingRevokedDoesNothing() {
        rebalances.onPartitionsRevoked(List.of());
        assertThat(events).isEmpty();
        assertThat(owners.owns(0)).isTrue();
    }
}
