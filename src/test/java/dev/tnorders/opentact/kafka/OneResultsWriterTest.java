package dev.tnorders.opentact.kafka;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.apache.kafka.clients.consumer.ConsumerPartitionAssignor.Assignment;
import org.apache.kafka.clients.consumer.ConsumerPartitionAssignor.GroupAssignment;
import org.apache.kafka.clients.consumer.ConsumerPartitionAssignor.GroupSubscription;
import org.apache.kafka.clients.consumer.ConsumerPartitionAssignor.Subscription;
import org.apache.kafka.common.Cluster;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class OneResultsWriterTest {

    private static final Node NODE = new Node(0, "127.0.0.1", 9092);

    private static Cluster cluster(String topic, int partitions) {
        List<PartitionInfo> infos = new ArrayList<>();
        for (int p = 0; p < partitions; p++) {
            infos.add(new PartitionInfo(topic, p, NODE, new Node[] {NODE}, new Node[] {NODE}));
        }
        return new Cluster("c", List.of(NODE), infos, Set.of(), Set.of());
    }

    private static Subscription member(OneResultsWriter assignor) {
        return new Subscription(List.of("numbers"), assignor.subscriptionUserData(Set.of("numbers")));
    }

    @Test
    void everyPartitionGoesToOneMember() {
        OneResultsWriter a = new OneResultsWriter();
        GroupAssignment g = a.assign(cluster("numbers", 3), new GroupSubscription(Map.of(
                "m-b", member(new OneResultsWriter()), "m-a", member(new OneResultsWriter()),
                "m-c", member(new OneResultsWriter()))));
        assertThat(g.groupAssignment().get("m-a").partitions()).containsExactlyInAnyOrder(
                new TopicPartition("numbers", 0), new TopicPartition("numbers", 1), new TopicPartition("numbers", 2));
        assertThat(g.groupAssignment().get("m-b").partitions()).isEmpty();
        assertThat(g.groupAssignment().get("m-c").partitions()).isEmpty();
    }

    @Test
    void theWriterStaysTheWriterWhenAnotherInstanceJoins() {
        OneResultsWriter z = new OneResultsWriter();
        z.onAssignment(new Assignment(List.of(new TopicPartition("numbers", 0))), null);
        GroupAssignment g = new OneResultsWriter().assign(cluster("numbers", 2), new GroupSubscription(Map.of(
                "m-z", member(z), "m-a", member(new OneResultsWriter()))));
        assertThat(g.groupAssignment().get("m-z").partitions()).hasSize(2);
        assertThat(g.groupAssignment().get("m-a").partitions()).isEmpty();
        z.onAssignment(new Assignment(List.of()), null);
        assertThat(z.subscriptionUserData(Set.of("numbers"))).isEqualTo(ByteBuffer.wrap(new byte[] {0}));
    }

    @Test
    void ofTwoFormerWritersTheFirstByIdWrites() {
        assertThat(OneResultsWriter.writer(Map.of("b", true, "a", true, "0", false))).isEqualTo("a");
        assertThat(OneResultsWriter.writer(Map.of("b", false, "a", false))).isEqualTo("a");
        assertThat(OneResultsWriter.writer(Map.of())).isNull();
    }
}
