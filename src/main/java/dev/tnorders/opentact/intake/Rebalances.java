package dev.tnorders.opentact.intake;

import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.Supplier;

import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.tnorders.opentact.client.SharedRateLimit;

/**
 * One requests consumer's rebalance listener: a partition taken is owned ({@link PartitionOwners})
 * and read from its committed position; a partition revoked has what finished on it settled and
 * committed, and only then is given up (its polls cancelled, fenced, forgotten); a partition lost is
 * given up with nothing committed. Called on the consumer's thread, within its poll.
 */
final class Rebalances implements ConsumerRebalanceListener {

    /** The requests consumers' logger (RequestConsumers): the logs read as they did. */
    private static final Logger LOG = LoggerFactory.getLogger("dev.tnorders.opentact.intake.RequestConsumers");

    private final int member;
    private final PartitionOwners owners;
    private final SharedRateLimit rateShare;
    private final Supplier<Consumer<String, String>> consumer;
    private final CommitBook book;
    private final List<ConsumerRecord<String, String>> buffer;
    private final BiConsumer<Collection<Integer>, String> cancelPolls;

    /**
     * @param rateShare   told when the member joined a generation (optional: null)
     * @param buffer      the consumer's records polled and not handed over yet
     * @param cancelPolls cancels the polls in flight with records of these partitions (and says why)
     */
    Rebalances(int member, PartitionOwners owners, SharedRateLimit rateShare, Supplier<Consumer<String, String>> consumer,
               CommitBook book, List<ConsumerRecord<String, String>> buffer,
               BiConsumer<Collection<Integer>, String> cancelPolls) {
        this.member = member;
        this.owners = owners;
        this.rateShare = rateShare;
        this.consumer = consumer;
        this.book = book;
        this.buffer = buffer;
        this.cancelPolls = cancelPolls;
    }

    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
        if (partitions.isEmpty()) {
            return;
        }
        // Settle what finished so far, commit it, then fence the rest: its work writes nothing more.
        book.settle();
        giveUp(partitions, "partitions revoked");
        LOG.info("Requests consumer {} gave up {}", member, partitions);
    }

    @Override
    public void onPartitionsLost(Collection<TopicPartition> partitions) {
        giveUp(partitions, "partitions lost"); // nothing to commit: another member may own them already
        LOG.warn("Requests consumer {} lost {} (it left the group): their work here stops", member, partitions);
    }

    /**
     * Cancels the partitions' polls in flight here (their order cases not started yet never
     * start), fences the work already running (it writes nothing more), and forgets them.
     */
    private void giveUp(Collection<TopicPartition> partitions, String why) {
        List<Integer> ids = partitions.stream().map(TopicPartition::partition).toList();
        cancelPolls.accept(ids, why);
        owners.revoked(ids);
        ids.forEach(book::forget);
        buffer.removeIf(r -> ids.contains(r.partition()));
    }

    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
        // Called after every rebalance this member took part in (cooperative: with no new
        // partition too): it is in the group's current generation now.
        if (rateShare != null) {
            rateShare.memberJoined(member);
        }
        if (partitions.isEmpty()) {
            return;
        }
        Map<Integer, Long> positions = new HashMap<>();
        for (TopicPartition tp : partitions) {
            long position = consumer.get().position(tp);
            positions.put(tp.partition(), position);
            book.start(tp.partition(), position);
        }
        owners.assigned(member, positions);
        LOG.info("Requests consumer {} took {}", member, partitions);
    }
}
