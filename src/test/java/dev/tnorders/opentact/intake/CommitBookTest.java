package dev.tnorders.opentact.intake;

import java.util.ArrayList;
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
 * A requests consumer's commit bookkeeping on its own, with Kafka's MockConsumer (no broker): offsets
 * committed in order as polls end, a failed poll given back per partition once its work in flight ended.
 */
class CommitBookTest {

    private static final String TOPIC = "requests";
    private static final TopicPartition P0 = new TopicPartition(TOPIC, 0);
    private static final TopicPartition P1 = new TopicPartition(TOPIC, 1);

    private final MockConsumer<String, String> consumer = new MockConsumer<>(OffsetResetStrategy.EARLIEST);
    private final PartitionOwners owners = new PartitionOwners(TOPIC);
    private final List<ConsumerRecord<String, String>> buffer = new ArrayList<>();
    private final CommitBook book = new CommitBook(TOPIC, owners, () -> consumer, buffer);

    @BeforeEach
    void assign() {
        consumer.assign(List.of(P0, P1));
        consumer.updateBeginningOffsets(Map.of(P0, 0L, P1, 0L));
        book.start(0, 0);
        book.start(1, 0);
        owners.assigned(0, Map.of(0, 0L, 1, 0L));
    }

    private void polled(int partition, long... offsets) {
        for (long o : offsets) {
            book.polled(partition, o);
        }
    }

    private Long committed(TopicPartition tp) {
        OffsetAndMetadata o = consumer.committed(Set.of(tp)).get(tp);
        return o == null ? null : o.offset();
    }

    private static ConsumerRecord<String, String> record(int partition, long offset) {
        return new ConsumerRecord<>(TOPIC, partition, offset, "k", "v");
    }

    @Test
    void recordsFinishingOutOfOrderCommitOnlyTheContiguousPrefix() {
        polled(0, 0, 1);
        polled(0, 2);
        polled(0, 3, 4, 5);
        book.finished(Map.of(0, List.of(3L, 4L, 5L)), null);
        book.settle();
        assertThat(committed(P0)).as("0..2 still in flight: nothing to commit").isNull();

        book.finished(Map.of(0, List.of(0L, 1L)), null);
        book.settle();
        assertThat(committed(P0)).as("2 is still in flight").isEqualTo(2L);

        book.finished(Map.of(0, List.of(2L)), null);
        book.settle();
        assertThat(committed(P0)).isEqualTo(6L);
        assertThat(committed(P1)).as("nothing polled on partition 1").isNull();
    }

    @Test
    void partitionsCommitOnTheirOwn() {
        polled(0, 0, 1);
        polled(1, 0, 1, 2);
        book.finished(Map.of(1, List.of(0L, 1L, 2L)), null);
        book.settle();
        assertThat(committed(P1)).isEqualTo(3L);
        assertThat(committed(P0)).as("partition 0's poll is still in flight").isNull();
    }

    @Test
    void aFailedPollIsGivenBackOnlyOnceItsPartitionsOtherWorkEnded() {
        polled(0, 0, 1, 2);       // poll A
        polled(0, 3, 4, 5);       // poll B
        consumer.seek(P0, 8);     // 6, 7 polled and buffered
        buffer.addAll(List.of(record(0, 6), record(0, 7), record(1, 0)));
        polled(1, 0);

        book.finished(Map.of(0, List.of(3L, 4L, 5L)), new IllegalStateException("Opentact is unavailable"));
        book.settle();
        assertThat(book.givingBack(0)).isTrue();
        assertThat(consumer.position(P0)).as("poll A is still in flight: not read again yet").isEqualTo(8L);
        assertThat(buffer).hasSize(3);
        assertThat(committed(P0)).isNull();

        book.finished(Map.of(0, List.of(0L, 1L, 2L)), null);
        book.settle();
        assertThat(consumer.position(P0)).as("read again from the failed poll's first record").isEqualTo(3L);
        assertThat(committed(P0)).as("what finished before it is committed").isEqualTo(3L);
        assertThat(book.givingBack(0)).isFalse();
        assertThat(buffer).as("partition 0's buffered records are read again; partition 1's stay")
                .extracting(ConsumerRecord::partition).containsExactly(1);
        assertThat(book.owns(1)).isTrue();
        assertThat(consumer.position(P1)).as("partition 1 goes on").isEqualTo(0L);
    }

    @Test
    void aFailedPollOfAPartitionNoLongerOwnedIsNotGivenBack() {
        polled(0, 0, 1);
        book.forget(0);
        book.finished(Map.of(0, List.of(0L, 1L)), new IllegalStateException("failed"));
        book.settle();
        assertThat(book.givingBack(0)).isFalse();
        assertThat(committed(P0)).isNull();
    }

    @Test
    void aPartitionGivenBackAndThenForgottenIsNoLongerGivenBack() {
        polled(0, 0, 1);
        polled(0, 2);
        book.finished(Map.of(0, List.of(2L)), new IllegalStateException("failed"));
        book.settle();
        assertThat(book.givingBack(0)).isTrue();
        book.forget(0);
        book.finished(Map.of(0, List.of(0L, 1L)), null);
        book.settle();
        assertThat(book.givingBack(0)).isFalse();
        assertThat(committed(P0)).as("no longer this consumer's to commit").isNull();
    }
}
