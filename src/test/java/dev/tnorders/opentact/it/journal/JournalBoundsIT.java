package dev.tnorders.opentact.it.journal;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.apache.camel.health.HealthCheck;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

import dev.tnorders.opentact.it.SharedKafka;
import dev.tnorders.opentact.journal.JournalEntry;
import dev.tnorders.opentact.journal.OrderJournal;
import dev.tnorders.opentact.model.OrderRequest;
import dev.tnorders.opentact.model.RequestBuilder;
import dev.tnorders.opentact.ops.JournalHealthCheck;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The journal's bounds through a real broker: expired done entries are removed from the topic
 * (tombstones, then compaction), entries of orders in flight never; and a view stuck behind a
 * transaction left open on the journal topic is noticed (readiness DOWN, decisions fail) and ends
 * when that transaction is aborted.
 */
class JournalBoundsIT {

    private static final long DAY = 86_400_000L;

    private static OrderRequest request(String id, String tn) {
        return RequestBuilder.request(id).tns(tn).receivedAt("2026-11-25T00:00:00.000Z").build();
    }

    private static OrderJournal journal(String topic, long retentionMs, long staleAfterMs) {
        OrderJournal j = new OrderJournal(SharedKafka.bootstrapServers(), topic, topic + "-outcomes", topic + "-numbers",
                "journal-bounds-it-" + UUID.randomUUID());
        j.setRetentionMs(retentionMs);
        j.setStaleAfterMs(staleAfterMs);
        j.start();
        return j;
    }

    private static Properties producerProperties() {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, SharedKafka.bootstrapServers());
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        return p;
    }

    private static String done(String id, String day) {
        return "{\"request_id\":\"" + id + "\",\"phase\":\"done\",\"day\":\"" + day + "\",\"nrc\":1.00}";
    }

    /** Every record of the topic, key to values in order (null: a tombstone), read uncommitted. */
    private static Map<String, List<String>> records(String topic) {
        Properties c = new Properties();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, SharedKafka.bootstrapServers());
        c.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        c.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        Map<String, List<String>> out = new HashMap<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(c)) {
            TopicPartition tp = new TopicPartition(topic, 0);
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            long end = consumer.endOffsets(List.of(tp)).get(tp);
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (consumer.position(tp) < end && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                    out.computeIfAbsent(r.key(), k -> new ArrayList<>()).add(r.value());
                }
            }
            assertThat(consumer.position(tp)).as("read to the end of " + topic).isGreaterThanOrEqualTo(end);
        }
        return out;
    }

    @Test
    void expiredDoneEntriesAreRemovedFromTheTopicOpenOnesAndTodaysNever() throws Exception {
        String topic = "journal-bounds-retention-" + UUID.randomUUID();
        long retentionMs = 5_000; // sweeps every second
        OrderJournal creator = journal(topic, retentionMs, 30_000); // creates the topic with its configs
        creator.stop();
        long tenDaysAgo = System.currentTimeMillis() - 10 * DAY;
        String oldDay = LocalDate.ofInstant(Instant.ofEpochMilli(tenDaysAgo), ZoneOffset.UTC).toString();
        String today = LocalDate.now(ZoneOffset.UTC).toString();
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(producerProperties())) {
            for (int i = 0; i < 5; i++) {
                producer.send(new ProducerRecord<>(topic, null, tenDaysAgo, "old-" + i, done("old-" + i, oldDay)));
            }
            producer.send(new ProducerRecord<>(topic, null, tenDaysAgo, "old-open",
                    "{\"request_id\":\"old-open\",\"phase\":\"placed\",\"tns\":[\"+12012090009\"],\"order_uuid\":\"u-9\","
                            + "\"day\":\"" + oldDay + "\",\"nrc\":1.00}"));
            producer.send(new ProducerRecord<>(topic, null, tenDaysAgo, "old-today", done("old-today", today)));
            producer.send(new ProducerRecord<>(topic, "recent", done("recent", oldDay)));
            producer.flush();
        }

        OrderJournal journal = journal(topic, retentionMs, 30_000);
        try {
            // read at start, expired: not held, but done until its tombstone is written
            assertThat(journal.doneHeld()).isEqualTo(7);
            await().atMost(Duration.ofSeconds(30)).until(() -> journal.phaseOf("old-0") == null);
            await().atMost(Duration.ofSeconds(10)).until(() -> journal.doneHeld() == 2);
            for (int i = 0; i < 5; i++) {
                assertThat(journal.lookup("old-" + i)).as("old-%s: a new request now", i).isNull();
            }
            assertThat(journal.phaseOf("old-open")).isEqualTo(JournalEntry.Phase.placed);
            // a tombstone that lands after an open entry (another instance's late sweep): kept, and written again
            try (KafkaProducer<String, String> producer = new KafkaProducer<>(producerProperties())) {
                producer.send(new ProducerRecord<>(topic, "old-open", null)).get(30, TimeUnit.SECONDS);
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                List<String> values = records(topic).get("old-open");
                return values != null && values.size() >= 3 && values.get(values.size() - 1) != null;
            });
            assertThat(journal.phaseOf("old-open")).isEqualTo(JournalEntry.Phase.placed);
            assertThat(journal.phaseOf("old-today")).isEqualTo(JournalEntry.Phase.done); // today's spend stays
            assertThat(journal.phaseOf("recent")).isEqualTo(JournalEntry.Phase.done);
            // a request id that comes again is new: its intent is written after the tombstone, and kept
            journal.intent(List.of(request("old-1", "+12012090001")), Collections.singletonList(null), null);
            // the recent one expires too, once older than the retention (its day is over)
            await().atMost(Duration.ofSeconds(30)).until(() -> journal.phaseOf("recent") == null);
        } finally {
            journal.stop();
        }

        Map<String, List<String>> onTopic = records(topic);
        for (int i = 0; i < 5; i++) {
            List<String> values = onTopic.get("old-" + i);
            if (values != null) { // compaction may have removed the key already
                assertThat(values.get(values.size() - (i == 1 ? 2 : 1))).as("old-%s ends with a tombstone", i).isNull();
            }
        }
        assertThat(onTopic.get("old-open")).last().as("old-open ends with its entry").isNotNull();
        assertThat(onTopic.get("old-today")).doesNotContainNull();

        OrderJournal restarted = journal(topic, retentionMs, 30_000);
        try {
            assertThat(restarted.phaseOf("old-0")).isNull();
            assertThat(restarted.phaseOf("old-1")).isEqualTo(JournalEntry.Phase.intent);
            assertThat(restarted.phaseOf("old-open")).isEqualTo(JournalEntry.Phase.placed);
            assertThat(restarted.phaseOf("old-today")).isEqualTo(JournalEntry.Phase.done);
            assertThat(restarted.phaseOf("recent")).isNull();
        } finally {
            restarted.stop();
        }

        Properties a = new Properties();
        a.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, SharedKafka.bootstrapServers());
        try (Admin admin = Admin.create(a)) {
            ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
            Config config = admin.describeConfigs(List.of(resource)).all().get().get(resource);
            assertThat(config.get("cleanup.policy").value()).isEqualTo("compact");
            assertThat(config.get("min.cleanable.dirty.ratio").value()).isEqualTo("0.1");
            assertThat(config.get("segment.ms").value()).isEqualTo("3600000");
            assertThat(config.get("delete.retention.ms").value()).isEqualTo("86400000");
        }
    }

    @Test
    void moreExpiredEntriesThanTheSweeperHoldsIdsOfAreFoundByReadingTheJournalAgain() throws Exception {
        String topic = "journal-bounds-rescan-" + UUID.randomUUID();
        long retentionMs = 5_000;
        OrderJournal creator = journal(topic, retentionMs, 30_000);
        creator.stop();
        int n = OrderJournal.MAX_EXPIRED_QUEUED + 300;
        long tenDaysAgo = System.currentTimeMillis() - 10 * DAY;
        String oldDay = LocalDate.ofInstant(Instant.ofEpochMilli(tenDaysAgo), ZoneOffset.UTC).toString();
        Properties p = producerProperties();
        p.put(ProducerConfig.LINGER_MS_CONFIG, 20);
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(p)) {
            for (int i = 0; i < n; i++) {
                producer.send(new ProducerRecord<>(topic, null, tenDaysAgo, "old-" + i, done("old-" + i, oldDay)));
            }
            producer.flush();
        }
        OrderJournal journal = journal(topic, retentionMs, 30_000);
        try {
            assertThat(journal.doneHeld()).isEqualTo(OrderJournal.MAX_EXPIRED_QUEUED); // ids only; the rest not held
            assertThat(journal.phaseOf("old-" + (n - 1))).isNull();
            await().atMost(Duration.ofSeconds(150)).pollInterval(Duration.ofSeconds(3)).ignoreExceptions().until(() -> {
                Map<String, List<String>> onTopic = records(topic);
                for (int i = 0; i < n; i++) {
                    List<String> values = onTopic.get("old-" + i);
                    if (values != null && values.get(values.size() - 1) != null) {
                        return false;
                    }
                }
                return true;
            });
            assertThat(journal.doneHeld()).isZero();
        } finally {
            journal.stop();
        }
    }

    @Test
    void aViewStuckBehindAnOpenTransactionIsDownAndDecidesNothingUntilItIsAborted() {
        String topic = "journal-bounds-stale-" + UUID.randomUUID();
        OrderJournal a = journal(topic, DAY, 3_000);
        OrderJournal b = journal(topic, DAY, 3_000);
        JournalHealthCheck readiness = new JournalHealthCheck(b);
        Properties p = producerProperties();
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "journal-bounds-hanging-" + UUID.randomUUID());
        p.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, 120_000);
        KafkaProducer<String, String> hanging = new KafkaProducer<>(p);
        try {
            assertThat(readiness.call().getState()).isEqualTo(HealthCheck.State.UP);
            hanging.initTransactions();
            hanging.beginTransaction();
            hanging.send(new ProducerRecord<>(topic, "hanging", done("hanging", "2026-11-25")));
            hanging.flush(); // on the log, not committed: read_committed readers stop before it
            // another instance's entry, committed after it: b cannot see it
            a.intent(List.of(request("r1", "+12012090001")), Collections.singletonList(null), null);

            await().atMost(Duration.ofSeconds(30)).until(() -> readiness.call().getState() == HealthCheck.State.DOWN);
            HealthCheck.Result down = readiness.call();
            assertThat(down.getMessage()).hasValueSatisfying(m -> assertThat(m)
                    .contains("order journal '" + topic + "' partition 0 is stuck at offset")
                    .contains("behind a transaction open for"));
            assertThat(down.getDetails()).containsEntry("journal", "stale");
            assertThatThrownBy(() -> b.lookup("r1")).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("no order is decided until it is committed or aborted");
            assertThatThrownBy(() -> b.ledger()).isInstanceOf(IllegalStateException.class);

            hanging.abortTransaction();
            await().atMost(Duration.ofSeconds(30)).until(() -> readiness.call().getState() == HealthCheck.State.UP);
            assertThat(b.phaseOf("r1")).isEqualTo(JournalEntry.Phase.intent);
            assertThat(b.phaseOf("hanging")).isNull(); // aborted: never an entry
        } finally {
            hanging.close(Duration.ofSeconds(5));
            a.stop();
            b.stop();
        }
    }
}
