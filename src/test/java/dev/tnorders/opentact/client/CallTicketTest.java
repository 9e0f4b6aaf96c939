package dev.tnorders.opentact.client;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The stages of a call as its caller waits for it, and what may leave (CallTicket, CallDeadlines). */
class CallTicketTest {

    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    // queue 10 s, connect 1 s, response 3 s, retries 2 of 100 ms (between attempts: the 60 s Retry-After cap), grace 5 s
    private final CallDeadlines deadlines = CallDeadlines.of(10_000, 1_000, 3_000, 2, 100);

    private void advanceMs(long ms) {
        now.addAndGet(TimeUnit.MILLISECONDS.toNanos(ms));
    }

    @Test
    void eachStageHasItsOwnDeadlinePlusTheGrace() {
        CallTicket t = new CallTicket("GET /rest/order/x", null, now::get);
        advanceMs(15_000);
        assertThat(t.overdue(deadlines)).isNull();                                   // created: queue + grace
        advanceMs(1);
        assertThat(t.overdue(deadlines)).contains("never reached the client route");
        t.queued();
        advanceMs(14_000);
        assertThat(t.overdue(deadlines)).isNull();
        advanceMs(1_001);
        assertThat(t.overdue(deadlines)).contains("still waiting for its turn").contains("attempt 1");
        t.queued();
        t.admit(deadlines);
        assertThat(t.stage()).isEqualTo(CallDeadlines.Stage.SENT);
        advanceMs(9_000);                                                             // connect + response + grace
        assertThat(t.overdue(deadlines)).isNull();
        advanceMs(1);
        assertThat(t.overdue(deadlines)).contains("sent, with no answer");
        t.answered();
        advanceMs(65_000);                                                            // Retry-After cap + grace
        assertThat(t.overdue(deadlines)).isNull();
        advanceMs(1);
        assertThat(t.overdue(deadlines)).contains("answered, and not retried");
    }

    @Test
    void aCallThatWaitedLongerThanTheQueueTimeoutIsNotSent() {
        CallTicket t = new CallTicket("POST /rest/order", null, now::get);
        t.queued();
        advanceMs(10_001);
        assertThatThrownBy(() -> t.admit(deadlines)).isInstanceOf(CallNotSentException.class)
                .hasMessageContaining("waited 10001 ms for its turn").hasMessageContaining("opentact.api.queue-timeout-ms");
        assertThat(t.stage()).isEqualTo(CallDeadlines.Stage.QUEUED);
    }

    @Test
    void anAbandonedCallNeverLeaves() {
        CallTicket t = new CallTicket("POST /rest/order", null, now::get);
        t.queued();
        assertThat(t.abandon()).as("not sent yet: certainly not at Opentact").isFalse();
        assertThatThrownBy(() -> t.admit(deadlines)).isInstanceOf(CallAbandonedException.class)
                .hasMessageContaining("it was not sent");
    }

    @Test
    void anAbandonedCallThatWasSentMayHaveReachedOpentact() {
        CallTicket t = new CallTicket("POST /rest/order", null, now::get);
        t.queued();
        t.admit(deadlines);
        assertThat(t.abandon()).isTrue();
    }

    @Test
    void theGuardIsAskedOnTheSendingThreadAndItsRefusalMeansNotSent() {
        AtomicInteger asked = new AtomicInteger();
        CallTicket refused = new CallTicket("POST /rest/order", () -> {
            asked.incrementAndGet();
            return "its lease ended";
        }, now::get);
        refused.queued();
        assertThatThrownBy(() -> refused.admit(deadlines)).isInstanceOf(CallNotSentException.class)
                .hasMessage("POST /rest/order was not sent: its lease ended");
        IllegalStateException notOwned = new IllegalStateException("partition 3 is no longer this instance's");
        CallTicket thrown = new CallTicket("POST /rest/order", () -> {
            throw notOwned;
        }, now::get);
        thrown.queued();
        assertThatThrownBy(() -> thrown.admit(deadlines)).isInstanceOf(CallNotSentException.class).hasCause(notOwned);
        CallTicket agreed = new CallTicket("POST /rest/order", () -> {
            asked.incrementAndGet();
            return null;
        }, now::get);
        agreed.queued();
        agreed.admit(deadlines);
        assertThat(agreed.stage()).isEqualTo(CallDeadlines.Stage.SENT);
        assertThat(asked).hasValue(2);
    }

    @Test
    void theLongestBetweenAttemptsIsTheBackoffOrTheRetryAfterCap() {
        assertThat(CallDeadlines.of(1, 1, 1, 4, 500).betweenAttemptsMs()).isEqualTo(60_000);
        assertThat(CallDeadlines.of(1, 1, 1, 10, 500).betweenAttemptsMs()).isEqualTo((long) Math.ceil(500 * 512 * 1.15));
        assertThatThrownBy(() -> CallDeadlines.of(0, 1, 1, 1, 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("opentact.api.queue-timeout-ms");
    }
}
