package dev.tnorders.opentact.kafka;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.ConsumerPartitionAssignor;
import org.apache.kafka.common.Cluster;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The partition assignor of the file-results group: every partition of the numbers topic goes to
 * one member, so that of several instances exactly one writes the results files at a time (two
 * writers appending to one {@code <file>.results.csv} on a shared volume could write its header
 * twice and, over NFS, interleave lines). Kafka's group protocol makes the assignment exclusive;
 * the writer keeps the role across rebalances while it is in the group (it says so in its
 * subscription), so a new instance joining does not move it. When the writer leaves or dies,
 * the group gives everything to another member, which goes on from the committed offsets.
 */
public class OneResultsWriter implements ConsumerPartitionAssignor {

    private static final Logger LOG = LoggerFactory.getLogger(OneResultsWriter.class);

    public static final String NAME = "opentact-one-results-writer";

    private static final byte WRITER = 1;
    private static final byte NOT_WRITER = 0;

    /** Assignments received in this JVM: a results writer that sees it change reads its files' ends again. */
    private static final AtomicLong ASSIGNMENTS = new AtomicLong();

    private volatile boolean writer;

    /** How many assignments this JVM's members of the group got so far. */
    public static long assignments() {
        return ASSIGNMENTS.get();
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public ByteBuffer subscriptionUserData(Set<String> topics) {
        return ByteBuffer.wrap(new byte[] {writer ? WRITER : NOT_WRITER});
    }

    @Override
    public void onAssignment(Assignment assignment, ConsumerGroupMetadata metadata) {
        boolean was = writer;
        writer = !assignment.partitions().isEmpty();
        ASSIGNMENTS.incrementAndGet();
        if (writer && !was) {
            LOG.info("This instance writes the results files now (the file-results group gave it all {} partitions)",
                    assignment.partitions().size());
        } else if (!writer && was) {
            LOG.info("Another instance writes the results files now");
        }
    }

    @Override
    public GroupAssignment assign(Cluster metadata, GroupSubscription groupSubscription) {
        Map<String, Subscription> members = groupSubscription.groupSubscription();
        Map<String, Boolean> wasWriter = new HashMap<>();
        TreeSet<String> topics = new TreeSet<>();
        members.forEach((member, s) -> {
            ByteBuffer data = s.userData();
            wasWriter.put(member, data != null && data.remaining() > 0 && data.duplicate().get() == WRITER);
            topics.addAll(s.topics());
        });
        List<TopicPartition> partitions = new ArrayList<>();
        for (String topic : topics) {
            List<PartitionInfo> infos = metadata.partitionsForTopic(topic);
            if (infos != null) {
                infos.forEach(p -> partitions.add(new TopicPartition(p.topic(), p.partition())));
            }
        }
        String chosen = writer(wasWriter);
        Map<String, Assignment> out = new HashMap<>();
        members.forEach((member, s) -> out.put(member, new Assignment(member.equals(chosen) ? partitions : List.of())));
        return new GroupAssignment(out);
    }

    /**
     * The one writer among the members: the one that was writer before (the first of them by
     * member id, should two say so after a split), else the first member by id.
     */
    public static String writer(Map<String, Boolean> membersWasWriter) {
        TreeSet<String> sorted = new TreeSet<>(membersWasWriter.keySet());
        for (String m : sorted) {
            if (Boolean.TRUE.equals(membersWasWriter.get(m))) {
                return m;
            }
        }
        return sorted.isEmpty() ? null : sorted.first();
    }

    @Override
    public String toString() {
        return NAME + (writer ? " (writer)" : "");
    }
}
