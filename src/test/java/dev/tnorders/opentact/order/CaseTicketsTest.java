package dev.tnorders.opentact.order;

import java.io.IOException;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.tnorders.opentact.model.OrderRequest;

import static dev.tnorders.opentact.model.RequestBuilder.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A case takes its poll's ticket before it runs; a cancelled or finished poll's cases never start. */
class CaseTicketsTest {

    private final CaseTickets tickets = new CaseTickets();

    private static OrderRequest req(String id) {
        return request(id).tns("+12012091001").receivedAt("t").build();
    }

    @Test
    void aPollEndsOnceItIsOverAndItsLastCaseHasEnded() throws Exception {
        OrderRequest a = req("a");
        OrderRequest b = req("b");
        CaseTickets.Poll poll = tickets.open("requests-0@0..1", List.of(a, b));
        CaseTickets.Ticket one = tickets.take(List.of(a));
        CaseTickets.Ticket two = tickets.take(List.of(b));
        assertThat(poll.running()).isEqualTo(2);
        one.close();
        one.close(); // a ticket is given back once
        assertThat(poll.running()).isEqualTo(1);
        assertThat(poll.awaitEnded(0)).as("open: more cases may start").isFalse();
        poll.close();
        assertThat(poll.awaitEnded(50)).as("a case still runs").isFalse();
        two.close();
        assertThat(poll.awaitEnded(0)).isTrue();
        assertThat(poll.started()).isEqualTo(2);
    }

    @Test
    void aCancelledPollsCasesThatHaveNotStartedNeverStartWhileItsRunningOnesGoOn() throws Exception {
        OrderRequest running = req("running");
        OrderRequest queued = req("queued");
        CaseTickets.Poll poll = tickets.open("requests-0@0..1", List.of(running, queued));
        CaseTickets.Ticket ticket = tickets.take(List.of(running));
        poll.cancel("Opentact unavailable");
        poll.cancel("a second reason is not kept");

        assertThatThrownBy(() -> tickets.take(List.of(queued))).isInstanceOf(CaseCancelledException.class)
                .hasMessageContaining("requests-0@0..1").hasMessageContaining("Opentact unavailable")
                .hasMessageNotContaining("second");
        assertThat(poll.refused()).isEqualTo(1);
        assertThat(poll.cancelled()).isTrue();
        assertThat(poll.running()).as("the running case goes on").isEqualTo(1);
        assertThat(poll.ended()).isNotDone();
        ticket.close();
        assertThat(poll.ended()).isDone();
    }

    @Test
    void aCaseThatFailsCancelsItsPollBeforeItsThreadTakesTheNextCase() throws Exception {
        OrderRequest ok = req("ok");
        OrderRequest failing = req("failing");
        OrderRequest next = req("next");
        CaseTickets.Poll poll = tickets.open("requests-0@0..2", List.of(ok, failing, next));
        assertThat(tickets.run(List.of(ok), () -> "done")).isEqualTo("done");
        assertThat(poll.cancelled()).as("a case that ends well cancels nothing").isFalse();

        assertThatThrownBy(() -> tickets.run(List.of(failing), () -> {
            throw new IOException("Opentact unavailable");
        })).isInstanceOf(IOException.class);
        assertThat(poll.cancelled()).isTrue();
        assertThat(poll.running()).isZero();
        assertThatThrownBy(() -> tickets.run(List.of(next), () -> "never")).isInstanceOf(CaseCancelledException.class)
                .hasMessageContaining("IOException: Opentact unavailable");
        assertThat(poll.started()).isEqualTo(2);
    }

    @Test
    void aCaseOfAPollThatIsOverDoesNotStart() {
        OrderRequest late = req("late");
        CaseTickets.Poll poll = tickets.open("requests-0@7", List.of(late));
        poll.close();
        assertThatThrownBy(() -> tickets.take(List.of(late))).isInstanceOf(CaseCancelledException.class)
                .hasMessageContaining("was over");
        assertThat(poll.ended()).isDone();
    }

    @Test
    void aCaseIsKnownByItsPollsRequestObjectsNotByTheirIds() {
        OrderRequest first = req("r1");
        CaseTickets.Poll given = tickets.open("requests-0@3", List.of(first));
        given.cancel("given back");
        // The same record read again: new objects, the same request id.
        OrderRequest again = req("r1");
        CaseTickets.Poll reread = tickets.open("requests-0@3", List.of(again));

        assertThatThrownBy(() -> tickets.take(List.of(first))).as("the old poll's case, still queued")
                .isInstanceOf(CaseCancelledException.class);
        try (CaseTickets.Ticket t = tickets.take(List.of(again))) {
            assertThat(reread.running()).isEqualTo(1);
        }
        assertThat(tickets.remembered()).isEqualTo(2);
    }

    @Test
    void requestsOfNoPollAreNotRefused() throws Exception {
        try (CaseTickets.Ticket t = tickets.take(List.of(req("from-a-tool")))) {
            assertThat(t).isNotNull();
        }
        assertThatThrownBy(() -> tickets.run(List.of(req("tool")), () -> {
            throw new IllegalStateException("its own failure");
        })).hasMessage("its own failure");
        assertThat(tickets.run(List.of(req("tool")), () -> 1)).isEqualTo(1);
    }

    @Test
    void oneRequestObjectIsNotHandedOverInTwoPollsAtOnce() {
        OrderRequest r = req("r");
        tickets.open("requests-0@1", List.of(r));
        assertThatThrownBy(() -> tickets.open("requests-0@1", List.of(r))).isInstanceOf(IllegalStateException.class);
    }
}
