package dev.tnorders.opentact.intake;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Supplier;

import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RebalanceInProgressException;
import org.apache.kafka.common.errors.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One requests consumer's commit bookkeeping: where each of its partitions stands
 * ({@link PartitionProgress}), the polls that ended (reported from their own threads), the offsets
 * committed in order as requests finish, and a failed poll given back per partition, by seeking to
 * its first unfinished record once the partition's work in flight has ended. Used on the consumer's
 * thread, but for {@link #finished}.
 */
final class CommitBook {

    /** The requests consumers' logger (RequestConsumers): the logs read as they did. */
    private static final Logger LOG = LoggerFactory.getLogger("dev.tnorders.opentact.intake.RequestConsumers");

    private record Finished(Map<Integer, List<Long>> offsets, Throwable failure) {
    }

    private final String topic;
    private final PartitionOwners owners;
    private final Supplier<Consumer<String, String>> consumer;
    /** The consumer's records polled and not handed over yet: a partition read again drops its own. */
    private final List<ConsumerRecord<String, String>> buffer;
    private final PartitionProgress progress = new PartitionProgress();
    private final ConcurrentLinkedQueue<Finished> finished = new ConcurrentLinkedQueue<>();
    private final Set<Integer> givingBack = new HashSet<>();

    /**
     * @param consumer the consumer now (a consumer that failed is made again)
     * @param buffer   the consumer's records polled and not handed over yet
     */
    CommitBook(String topic, PartitionOwners owners, Supplier<Consumer<String, String>> consumer,
               List<ConsumerRecord<String, String>> buffer) {
        this.topic = topic;
        this.owners = owners;
        this.consumer = consumer;
        this.buffer = buffer;
    }

    /** The partition is this consumer's from {@code position} on. */
    void start(int partition, long position) {
        progress.start(partition, position);
    }

    boolean owns(int partition) {
        return progress.owns(partition);
    }

    /** Whether the partition waits to be read again (a poll of it failed). */
    boolean givingBack(int partition) {
        return givingBack.contains(partition);
    }

    /** A record was handed over in a poll. */
    void polled(int partition, long offset) {
        progress.polled(partition, offset);
    }

    /** A poll ended (on its own thread): its offsets by partition, and why it is given back (null: finished). */
    void finished(Map<Integer, List<Long>> offsets, Throwable failure) {
        finished.add(new Finished(offsets, failure));
    }

    /** The partition is no longer this consumer's. */
    void forget(int partition) {
        progress.forget(partition);
        givingBack.remove(partition);
    }

    /** None of these partitions is this consumer's any more (it failed), nor is any partition given back. */
    void forgetAll(Collection<Integer> partitions) {
        partitions.forEach(progress::forget);
        givingBack.clear();
    }

    /** Finished polls: offsets to commit, failed ones to give back once their partitions are quiet. */
    void settle() {
        for (Finished f; (f = finished.poll()) != null; ) {
            for (Map.Entry<Integer, List<Long>> e : f.offsets().entrySet()) {
                if (f.failure() == null) {
                    progress.finished(e.getKey(), e.getValue());
                } else if (progress.owns(e.getKey())) {
                    progress.failed(e.getKey(), e.getValue());
                    if (givingBack.add(e.getKey())) {
                        LOG.warn("A poll of {}-{} failed ({}); reading it again once its work in flight has ended",
                                topic, e.getKey(), describe(f.failure()));
                    }
                }
            }
        }
        for (Integer p : new ArrayList<>(givingBack)) {
            if (!progress.owns(p)) {
                givingBack.remove(p);
            } else if (progress.readyToRewind(p)) {
                long to = progress.rewind(p);
                buffer.removeIf(r -> r.partition() == p);
                consumer.get().seek(new TopicPartition(topic, p), to);
                givingBack.remove(p);
                LOG.info("Reading {}-{} again from offset {}", topic, p, to);
            }
        }
        commit(progress.toCommit());
    }

    private void commit(Map<Integer, Long> offsets) {
        if (offsets.isEmpty()) {
            return;
        }
        Map<TopicPartition, OffsetAndMetadata> commit = new HashMap<>();
        offsets.forEach((p, o) -> commit.put(new TopicPartition(topic, p), new OffsetAndMetadata(o)));
        try {
            consumer.get().commitSync(commit, Duration.ofSeconds(10));
            progress.committed(offsets);
            offsets.forEach(owners::committed);
        } catch (RebalanceInProgressException
                 | TimeoutException e) {
            LOG.debug("Commit of {} deferred: {}", offsets, e.toString()); // tried again at the next loop
        }
    }

    private static String describe(Throwable t) {
        return t.getClass().getSimpleName() + ": " + t.getMessage();
    }
}
