package dev.tnorders.opentact.it;

import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import dev.tnorders.opentact.order.OrderClock;
import dev.tnorders.opentact.order.OrderResults;
import dev.tnorders.opentact.journal.OrderJournal;
import dev.tnorders.opentact.model.Feature;
import dev.tnorders.opentact.model.OrderRequest;

import static org.assertj.core.api.Assertions.assertThat;
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

    /** How long another instance's committed entry may take to become visible. */
    private static final Duration VISIBLE = Duration.ofSeconds(10);

    private static OrderRequest request(String id, String tn) {
        return new OrderRequest(id, List.of(tn), null, EnumSet.of(Feature.VOICE), true, null, null, null, null, null,
                null, "2026-11-25T00:00:00.000Z");
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
            a.intent(List.of(r1), java.util.Collections.singletonList(null), null);
            a.placed(List.of(r1), "order-a");
            assertThat(a.phaseOf("r1")).isEqualTo(OrderJournal.Phase.placed); // its own: at once
            await().atMost(VISIBLE).until(() -> b.phaseOf("r1") == OrderJournal.Phase.placed);
            assertThat(b.orderUuidOf("r1")).isEqualTo("order-a");

            b.intent(List.of(r2), java.util.Collections.singletonList(null), null);
            b.finish(List.of(r1), List.of(new OrderResults(new OrderClock()).postUnanswered(r1, "finished by b")));
            assertThat(b.phaseOf("r1")).isEqualTo(OrderJournal.Phase.done);
            assertThat(b.phaseOf("r2")).isEqualTo(OrderJournal.Phase.intent);
            await().atMost(VISIBLE).until(() -> a.phaseOf("r1") == OrderJournal.Phase.done);
            await().atMost(VISIBLE).until(() -> a.phaseOf("r2") == OrderJournal.Phase.intent);
        } finally {
            a.stop();
            b.stop();
        }
        OrderJournal restarted = journal(topic);
        try {
            assertThat(restarted.phaseOf("r1")).isEqualTo(OrderJournal.Phase.done);
            assertThat(restarted.phaseOf("r2")).isEqualTo(OrderJournal.Phase.intent);
            assertThat(restarted.entries(List.of("r1", "r2", "r3")).keySet()).containsExactlyInAnyOrder("r1", "r2");
        } finally {
            restarted.stop();
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
        java.util.concurrent.atomic.AtomicInteger told = new java.util.concurrent.atomic.AtomicInteger();
        a.start();
        a.fencedBy(requestIds -> null, told::incrementAndGet);
        OrderJournal b = new OrderJournal(SharedKafka.bootstrapServers(), topic, run + "-outcomes", run + "-numbers", sharedId);
        b.start(); // initTransactions with the same id fences a's producer
        try {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> a.intent(List.of(request("f1", "+12012090011")),
                    java.util.Collections.singletonList(null), null)).hasMessageContaining("fenced");
            assertThat(told).as("its consumers are told to give their partitions up").hasValue(1);
            a.intent(List.of(request("f2", "+12012090012")), java.util.Collections.singletonList(null), null);
            assertThat(a.phaseOf("f2")).isEqualTo(OrderJournal.Phase.intent);
            assertThat(a.phaseOf("f1")).as("the refused write is not there").isNull();
            b.intent(List.of(request("f3", "+12012090013")), java.util.Collections.singletonList(null), null);
            await().atMost(VISIBLE).until(() -> b.phaseOf("f2") == OrderJournal.Phase.intent);
        } finally {
            a.stop();
            b.stop();
        }
    }
}
