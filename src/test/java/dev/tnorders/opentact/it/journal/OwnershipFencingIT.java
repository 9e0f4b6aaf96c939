package dev.tnorders.opentact.it.journal;

import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;

import dev.tnorders.opentact.intake.PartitionOwners;
import dev.tnorders.opentact.it.SharedKafka;
import dev.tnorders.opentact.journal.Fencing;
import dev.tnorders.opentact.journal.JournalEntry;
import dev.tnorders.opentact.journal.OrderJournal;
import dev.tnorders.opentact.model.OrderRequest;
import dev.tnorders.opentact.model.RequestBuilder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Zombie fencing through a real broker (KIP-447): the journal's transactions carry the writing
 * consumer's group generation, so a member the group has moved on from cannot write an intent (and
 * so cannot POST) or publish an outcome, and a partition revoked locally stops every later write of
 * the work still in flight on it.
 */
class OwnershipFencingIT {

    private static OrderRequest request(String id, String tn) {
        return RequestBuilder.request(id).tns(tn).receivedAt("2026-12-01T00:00:00.000Z").build();
    }

    private static KafkaConsumer<String, String> member(String group, int maxPollIntervalMs) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, SharedKafka.bootstrapServers());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, CooperativeStickyAssignor.class.getName());
        p.put(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, maxPollIntervalMs);
        p.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 6000);
        p.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, 500);
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        return new KafkaConsumer<>(p);
    }

    @Test
    void aMemberTheGroupMovedOnFromCannotWriteAndARevokedPartitionStopsItsWork() throws Exception {
        String run = "fencing-" + UUID.randomUUID().toString().substring(0, 8);
        String requests = run + ".requests";
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, SharedKafka.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(requests, 1, (short) 1))).all().get();
        }
        OrderJournal journal = new OrderJournal(SharedKafka.bootstrapServers(), run + ".journal", run + ".outcomes",
                run + ".numbers", null);
        journal.start();
        PartitionOwners owners = new PartitionOwners(requests);
        journal.fencedBy(owners, null);
        try (KafkaConsumer<String, String> a = member(run, 3000); KafkaConsumer<String, String> b = member(run, 60000)) {
            a.subscribe(List.of(requests));
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                a.poll(Duration.ofMillis(100));
                return !a.assignment().isEmpty();
            });
            ConsumerGroupMetadata generation = a.groupMetadata();
            owners.observe(0, generation);
            owners.assigned(0, Map.of(0, a.position(new TopicPartition(requests, 0))));
            owners.track("owned", 0);
            journal.intent(List.of(request("owned", "+12012091001")), Collections.singletonList(null), null);
            assertThat(journal.phaseOf("owned")).as("the owner writes").isEqualTo(JournalEntry.Phase.intent);

            // a stops polling (a long GC, a stalled host): past its max.poll.interval the group moves on
            // without it, and b owns the partition in a newer generation.
            b.subscribe(List.of(requests));
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                b.poll(Duration.ofMillis(100));
                return !b.assignment().isEmpty();
            });
            assertThat(b.groupMetadata().generationId()).isGreaterThan(generation.generationId());

            owners.track("zombie", 0); // a still believes it owns the partition, with its old generation
            assertThatThrownBy(() -> journal.intent(List.of(request("zombie", "+12012091002")),
                    Collections.singletonList(null), null))
                    .as("the group coordinator refuses the zombie's transaction")
                    .hasMessageContaining("generation");
            assertThat(journal.lookup("zombie")).as("no intent: no POST").isNull();

            owners.revoked(List.of(0)); // what a's rebalance listener does when it hears of it
            assertThatThrownBy(() -> journal.placed(List.of(request("owned", "+12012091001")), "order-1"))
                    .isInstanceOf(Fencing.NotOwnedException.class).hasMessageContaining(requests + "-0");
            assertThatThrownBy(() -> journal.confirmOwned(List.of(request("owned", "+12012091001"))))
                    .as("checked right before an order POST").isInstanceOf(Fencing.NotOwnedException.class);
            assertThat(journal.phaseOf("owned")).isEqualTo(JournalEntry.Phase.intent);
        } finally {
            journal.stop();
        }
    }
}
