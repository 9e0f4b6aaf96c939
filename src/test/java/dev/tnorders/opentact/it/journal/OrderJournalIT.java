package dev.tnorders.opentact.it.journal;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import org.assertj.core.api.Assertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.tnorders.opentact.it.SharedKafka;
import dev.tnorders.opentact.journal.JournalEntry;
import dev.tnorders.opentact.journal.OrderJournal;
import dev.tnorders.opentact.kafka.KafkaClientSettings;
import dev.tnorders.opentact.model.OrderRequest;
import dev.tnorders.opentact.model.RequestBuilder;
import dev.tnorders.opentact.order.OrderClock;
import dev.tnorders.opentact.order.OrderResults;
import dev.tnorders.opentact.standalone.EmbeddedKafkaBroker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The order journal through a real broker: an instance's reader passes over the entries that
 * instance wrote itself (it remembers them when they commit), and still reads every other
 * instance's, and a restarted instance's predecessor's.
 *
 * <p>An instance knows its own entries the moment their transaction commits. Another instance's
 * become visible a moment later: a read_committed reader stops at the last stable offset, which
 * moves once the broker has written the transaction's commit markers.
 */
class OrderJournalIT {

    private static final Logger LOG = LoggerFactory.getLogger(OrderJournalIT.class);

    /** How long another instance's committed entry may take to become visible. */
    private static final Duration VISIBLE = Duration.ofSeconds(10);

    private static OrderRequest request(String id, String tn) {
        return RequestBuilder.request(id).tns(tn).receivedAt("2026-11-25T00:00:00.000Z").build();
    }

    private static OrderJournal journal(String topic) {
        String run = topic + "-" + UUID.randomUUID();
        OrderJournal j = new OrderJournal(SharedKafka.bootstrapServers(), topic, run + "-outcomes", run + "-numbers",
                "journal-it-" + UUID.randomUUID());
        j.start();
        return j;
    }

    @Test
    void eachInstanceSeesItsOwnEntriesAndTheOthersAndARestartSeesItsPredecessors() {
        String topic = "journal-it-" + UUID.randomUUID();
        OrderRequest r1 = request("r1", "+12012090001");
        OrderRequest r2 = request("r2", "+12012090002");
        OrderJournal a = journal(topic);
        OrderJournal b = journal(topic);
        try {
            a.intent(List.of(r1), Collections.singletonList(null), null);
            a.placed(List.of(r1), "order-a");
            assertThat(a.phaseOf("r1")).isEqualTo(JournalEntry.Phase.placed); // its own: at once
            await().atMost(VISIBLE).until(() -> b.phaseOf("r1") == JournalEntry.Phase.placed);
            assertThat(b.orderUuidOf("r1")).isEqualTo("order-a");

            b.intent(List.of(r2), Collections.singletonList(null), null);
            b.finish(List.of(r1), List.of(new OrderResults(new OrderClock()).postUnanswered(r1, "finished by b")));
            assertThat(b.phaseOf("r1")).isEqualTo(JournalEntry.Phase.done);
            assertThat(b.phaseOf("r2")).isEqualTo(JournalEntry.Phase.intent);
            await().atMost(VISIBLE).until(() -> a.phaseOf("r1") == JournalEntry.Phase.done);
            await().atMost(VISIBLE).until(() -> a.phaseOf("r2") == JournalEntry.Phase.intent);
        } finally {
            a.stop();
            b.stop();
        }
        OrderJournal restarted = journal(topic);
        try {
            assertThat(restarted.phaseOf("r1")).isEqualTo(JournalEntry.Phase.done);
            assertThat(restarted.phaseOf("r2")).isEqualTo(JournalEntry.Phase.intent);
            assertThat(restarted.entries(List.of("r1", "r2", "r3")).keySet()).containsExactlyInAnyOrder("r1", "r2");
        } finally {
            restarted.stop();
        }
    }

    /**
     * A batch's intents hold every number of its order POST: a request of it resumed apart, on
     * another instance, after the others finished, still knows them (reconciliation then takes
     * their order as its own, not as someone else's).
     */
    @Test
    void aBatchsIntentKeepsItsOrderPostsNumbersAfterTheOthersFinished() {
        String topic = "journal-it-" + UUID.randomUUID();
        OrderRequest r3 = request("r3", "+12012090003");
        OrderRequest r4 = request("r4", "+12012090004");
        OrderJournal a = journal(topic);
        OrderJournal b = journal(topic);
        try {
            a.intent(List.of(r3, r4), Arrays.asList(null, null), null);
            a.placed(List.of(r4), "order-34");
            a.finish(List.of(r4), List.of(new OrderResults(new OrderClock()).postUnanswered(r4, "finished by a")));
            assertThat(a.postNumbersOf("r3")).containsExactly("+12012090003", "+12012090004");
            await().atMost(VISIBLE).until(() -> b.phaseOf("r4") == JournalEntry.Phase.done);
            assertThat(b.phaseOf("r3")).isEqualTo(JournalEntry.Phase.intent);
            assertThat(b.postNumbersOf("r3")).containsExactly("+12012090003", "+12012090004");
            assertThat(b.postNumbersOf("r4")).as("done: nothing left to reconcile").isNull();
            a.intent(List.of(request("r5", "+12012090005")), Collections.singletonList(null), null);
            assertThat(a.postNumbersOf("r5")).as("a case of one: its own numbers are its POST's").isNull();
        } finally {
            a.stop();
            b.stop();
        }
    }

    /**
     * Two instances configured with one transactional id: the second fences the first. The first
     * gives up the write that was refused, rebuilds its producer with an id of its own, tells its
     * consumers to give their partitions up, and writes again from then on.
     */
    @Test
    void aFencedProducerIsRebuiltAndItsConsumersAreToldToGiveTheirPartitionsUp() {
        String topic = "journal-it-" + UUID.randomUUID();
        String run = topic + "-" + UUID.randomUUID();
        String sharedId = "journal-it-shared-" + UUID.randomUUID();
        OrderJournal a = new OrderJournal(SharedKafka.bootstrapServers(), topic, run + "-outcomes", run + "-numbers", sharedId);
        AtomicInteger told = new AtomicInteger();
        a.start();
        a.fencedBy(requestIds -> null, told::incrementAndGet);
        OrderJournal b = new OrderJournal(SharedKafka.bootstrapServers(), topic, run + "-outcomes", run + "-numbers", sharedId);
        b.start(); // initTransactions with the same id fences a's producer
        try {
            Assertions.assertThatThrownBy(() -> a.intent(List.of(request("f1", "+12012090011")),
                    Collections.singletonList(null), null)).hasMessageContaining("fenced");
            assertThat(told).as("its consumers are told to give their partitions up").hasValue(1);
            a.intent(List.of(request("f2", "+12012090012")), Collections.singletonList(null), null);
            assertThat(a.phaseOf("f2")).isEqualTo(JournalEntry.Phase.intent);
            assertThat(a.phaseOf("f1")).as("the refused write is not there").isNull();
            b.intent(List.of(request("f3", "+12012090013")), Collections.singletonList(null), null);
            await().atMost(VISIBLE).until(() -> b.phaseOf("f2") == JournalEntry.Phase.intent);
        } finally {
            a.stop();
            b.stop();
        }
    }

    /**
     * The broker goes away for longer than the producer's max.block.ms (the startup timeout, 3 s
     * here) and its transaction timeout: a write meanwhile times out in its commit (after which
     * Kafka's producer refuses to abort, and refuses every later transaction). The journal closes
     * that producer and starts a new one at the next write: once the broker is back, writes work
     * again without a restart, and the journal says it could not write only meanwhile.
     */
    @Test
    void aWriteThatTimesOutWhileTheBrokerIsAwayDoesNotStopTheWritesAfterItsReturn(@TempDir Path dir) throws Exception {
        EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(dir.resolve("kafka"), false);
        String topic = "journal-outage-" + UUID.randomUUID();
        KafkaClientSettings kafka = KafkaClientSettings.plain(broker.bootstrapServers());
        kafka.setStartupTimeoutMs(3_000);
        OrderJournal j = new OrderJournal(kafka, topic, topic + "-outcomes", topic + "-numbers", "journal-outage-" + UUID.randomUUID());
        try {
            j.start();
            j.intent(List.of(request("o1", "+12012090021")), Collections.singletonList(null), null);
            assertThat(j.writeProblem()).isNull();

            broker.close();
            assertThatThrownBy(() -> j.intent(List.of(request("o2", "+12012090022")), Collections.singletonList(null), null))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("could not write the order journal");
            assertThat(j.writeProblem()).as("readiness while it cannot write").contains("cannot write");
            // Still away: the producer cannot be started again, and the write says so.
            assertThatThrownBy(() -> j.intent(List.of(request("o3", "+12012090023")), Collections.singletonList(null), null))
                    .isInstanceOf(IllegalStateException.class);

            broker = EmbeddedKafkaBroker.start(dir.resolve("kafka"), false);
            long back = System.nanoTime();
            await().atMost(Duration.ofSeconds(45)).untilAsserted(() -> assertThatCode(() -> j.intent(
                    List.of(request("o4", "+12012090024")), Collections.singletonList(null), null)).doesNotThrowAnyException());
            LOG.info("journal-outage figures: first write {} ms after the broker's return",
                    Duration.ofNanos(System.nanoTime() - back).toMillis());
            assertThat(j.phaseOf("o4")).isEqualTo(JournalEntry.Phase.intent);
            assertThat(j.phaseOf("o1")).isEqualTo(JournalEntry.Phase.intent);
            assertThat(j.writeProblem()).as("it writes again").isNull();
            j.placed(List.of(request("o4", "+12012090024")), "order-o4");
            assertThat(j.phaseOf("o4")).isEqualTo(JournalEntry.Phase.placed);
        } finally {
            j.stop();
            broker.close();
        }
    }
}
