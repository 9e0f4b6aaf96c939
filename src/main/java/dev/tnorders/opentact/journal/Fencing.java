package dev.tnorders.opentact.journal;

import java.util.Collection;
import java.util.Map;

import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * Who may write a request's journal entries: the consumer that owns the partition its record came
 * from, now. Every journal transaction for such requests carries that consumer's group
 * membership and offsets ({@code sendOffsetsToTransaction}, KIP-447), so the group coordinator
 * refuses it when the member is no longer in the group's current generation (a zombie), and the
 * owner refuses it locally when the partition was given to another member meanwhile.
 */
public interface Fencing {

    /**
     * The owner of these requests' records, held (no revocation completes) until {@link Fence#close()}.
     *
     * @return null when none of them came from a record a consumer of this instance tracks (tools, tests)
     * @throws NotOwnedException when their partition is no longer this instance's
     */
    Fence acquire(Collection<String> requestIds);

    /**
     * How many partitions this instance has taken so far (a count that only grows, one per partition
     * per assignment). The journal reads every entry written before a take-over before it decides on
     * anything again: see {@code JournalReader}'s take-over barrier.
     */
    default long takeovers() {
        return 0;
    }

    /** One member's right to write, while held. */
    interface Fence extends AutoCloseable {

        /** The member, for the transaction's offsets. */
        ConsumerGroupMetadata member();

        /** Offsets to commit in the transaction: what this member last committed on those partitions. */
        Map<TopicPartition, OffsetAndMetadata> offsets();

        /** Which member: transactions are not shared by two members' writes. */
        String key();

        @Override
        void close();
    }

    /** The partition of a request's record was given to another consumer: its work here must stop. */
    class NotOwnedException extends IllegalStateException {
        public NotOwnedException(String message) {
            super(message);
        }
    }
}
