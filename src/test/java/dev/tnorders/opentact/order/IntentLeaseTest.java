package dev.tnorders.opentact.order;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import dev.tnorders.opentact.journal.Fencing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The intent lease an order POST leaves under (IntentLease) and the window it gives (ReconcileWindow). */
class IntentLeaseTest {

    private final AtomicLong now = new AtomicLong(5_000_000_000L);
    private final AtomicInteger renewed = new AtomicInteger();

    private void advanceMs(long ms) {
        now.addAndGet(TimeUnit.MILLISECONDS.toNanos(ms));
    }

    private IntentLease lease(Runnable confirmOwned, Runnable renew) {
        return new IntentLease(confirmOwned, renew, now::get, 10_000);
    }

    @Test
    void withinItsDeadlineThePostLeavesWithoutARenewal() {
        IntentLease lease = lease(() -> { }, renewed::incrementAndGet);
        advanceMs(10_000);
        assertThat(lease.refusal()).isNull();
        assertThat(renewed).hasValue(0);
    }

    @Test
    void pastItsDeadlineTheIntentIsWrittenAgainFirstAndANewLeaseStarts() {
        IntentLease lease = lease(() -> { }, renewed::incrementAndGet);
        advanceMs(100_000); // a JVM frozen while the POST waited in the rate limit: the monotonic clock went on
        assertThat(lease.refusal()).isNull();
        assertThat(renewed).hasValue(1);
        advanceMs(10_000);
        assertThat(lease.refusal()).isNull();
        assertThat(renewed).as("the renewal started a new lease").hasValue(1);
        assertThat(lease.renewals()).isEqualTo(1);
    }

    @Test
    void aRenewalTheFencedJournalRefusesMeansNotSent() {
        IntentLease lease = lease(() -> { }, () -> {
            throw new IllegalStateException("the group's generation moved on (CommitFailedException)");
        });
        advanceMs(10_001);
        assertThatThrownBy(lease::refusal).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("past opentact.order.send-deadline-ms (10000 ms)")
                .hasMessageContaining("generation moved on");
    }

    @Test
    void aRequestNoLongerOwnedIsNeverSentNorRenewed() {
        IntentLease lease = lease(() -> {
            throw new Fencing.NotOwnedException("partition 2 was given to another consumer");
        }, renewed::incrementAndGet);
        advanceMs(20_000);
        assertThatThrownBy(lease::refusal).isInstanceOf(Fencing.NotOwnedException.class);
        assertThat(renewed).hasValue(0);
    }

    @Test
    void aRestartByTheCaseItselfStartsANewLease() {
        IntentLease lease = lease(() -> { }, renewed::incrementAndGet);
        advanceMs(9_000);
        lease.restart(now.get()); // the case wrote its intent again (a 429)
        advanceMs(9_000);
        assertThat(lease.refusal()).isNull();
        assertThat(renewed).hasValue(0);
    }

    @Test
    void theWindowIsAtLeastTheSumOfWhatAPostCanTakeAndTheStartStopsOtherwise() {
        ReconcileWindow w = new ReconcileWindow(10_000, 5_000, 30_000, 30_000, 10_000);
        assertThat(w.minimumMs()).isEqualTo(85_000);
        assertThat(w.resolve(0)).isEqualTo(85_000);
        assertThat(w.resolve(120_000)).isEqualTo(120_000);
        assertThatThrownBy(() -> w.resolve(60_000)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("opentact.order.reconcile-window-ms (60000) must be at least")
                .hasMessageContaining("= 85000 ms");
        assertThatThrownBy(() -> new ReconcileWindow(0, 5_000, 30_000, 0, 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("opentact.order.send-deadline-ms");
    }
}
