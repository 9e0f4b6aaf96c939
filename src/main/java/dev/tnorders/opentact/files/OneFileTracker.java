package dev.tnorders.opentact.files;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.ConsumerPartitionAssignor;
import org.apache.kafka.common.Cluster;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;

import dev.tnorders.opentact.kafka.OneResultsWriter;

/**
 * The partition assignor of the files group: every partition of the outcomes topic goes to one
 * member, the end tracker, so that each file's outcomes are counted in one place. The tracker keeps
 * the role while it is in the group (it says so in its subscription), as {@link OneResultsWriter}
 * does for the results files.
 */
public class OneFileTracker implements ConsumerPartitionAssignor {

    public static final String NAME = "opentact-one-file-tracker";

    private volatile boolean tracker;

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public ByteBuffer subscriptionUserData(Set<String> topics) {
        return ByteBuffer.wrap(new byte[] {(byte) (tracker ? 1 : 0)});
    }

    @Override
    public void onAssignment(Assignment assignment, ConsumerGroupMetadata metadata) {
        tracker = !assignment.partitions().isEmpty();
    }

    @Override
    public GroupAssignment assign(Cluster metadata, GroupSubscription groupSubscription) {
        Map<String, Subscription> members = groupSubscription.groupSubscription();
        Map<String, Boolean> was = new HashMap<>();
        TreeSet<String> topics = new TreeSet<>();
        members.forEach((member, s) -> {
            ByteBuffer data = s.userData();
            was.put(member, data != null && data.remaining() > 0 && data.duplicate().get() == 1);
            topics.addAll(s.topics());
        });
        List<TopicPartition> partitions = new ArrayList<>();
        for (String topic : topics) {
            List<PartitionInfo> infos = metadata.partitionsForTopic(topic);
            if (infos != null) {
                infos.forEach(p -> partitions.add(new TopicPartition(p.topic(), p.partition())));
            }
        }
        String chosen = OneResultsWriter.writer(was);
        Map<String, Assignment> out = new HashMap<>();
        members.forEach((member, s) -> out.put(member, new Assignment(member.equals(chosen) ? partitions : List.of())));
        return new GroupAssignment(out);
    }
}
