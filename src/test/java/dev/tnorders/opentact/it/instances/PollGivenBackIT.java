package dev.tnorders.opentact.it.instances;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.tnorders.opentact.intake.RequestConsumers;
import dev.tnorders.opentact.it.Invariants;
import dev.tnorders.opentact.it.LogCapture;
import dev.tnorders.opentact.it.SandboxAndApp;
import dev.tnorders.opentact.it.TopicProbe;
import dev.tnorders.opentact.order.CaseTickets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Polls given back while some of their order cases still wait for a thread (issue 22, item 3):
 * two order-case threads for many polls of one-number orders, each call to the sandbox slow, so
 * that every poll has cases in the case threads' queue; then price calls fail (Opentact down,
 * no retries), so the polls of those cases fail and are given back, and intake pauses. A case of
 * a poll given back must never start afterwards: it would run without the claim of its record
 * (its journal writes unfenced, its order POST sent while no poll of this instance holds the
 * request). The sandbox checks, as each order POST arrives, that the app holds the claim of every
 * request in it; then {@link Invariants} checks every promise, and the last outcome must come
 * within a bound.
 */
class PollGivenBackIT extends SandboxAndApp {

    private static final Logger LOG = LoggerFactory.getLogger(PollGivenBackIT.class);
    // -Dgivenback.requests (the reliability profile runs 400)
    private static final int REQUESTS = Integer.getInteger("givenback.requests", 40);
    // Each request a case of its own: price, POST and a lookup or two, at the default 20 calls/s, so
    // 400 requests take 60 s of calls alone; the bound grows with them (40: 76 s; 400: 220 s).
    private static final Duration LAST_OUTCOME_WITHIN = Duration.ofSeconds(60 + REQUESTS * 2L / 5);

    /** What CaseTickets logs for a queued case of a poll given back, which is cancelled. */
    private static final String NOT_STARTED = "did not start";

    private static boolean queuedCaseCancelled(LogCapture tickets) {
        return tickets.messages().stream().anyMatch(m -> m.contains(NOT_STARTED));
    }

    @Test
    void noCaseOfAPollGivenBackStartsAfterItAndEveryOrderPostIsSentUnderItsClaim() throws Exception {
        sandbox.setLatency(Duration.ofMillis(100));
        Invariants.Expected expected = new Invariants.Expected();
        Map<Long, String> requestOf = new ConcurrentHashMap<>();
        List<TopicProbe.Raw> records = new ArrayList<>();
        for (int i = 0; i < REQUESTS; i++) {
            long tn = 12013080000L + i;
            String id = "given-back-" + i;
            expected.kafka(id, tn);
            requestOf.put(tn, id);
            records.add(new TopicProbe.Raw("one-partition",
                    ("{\"request_id\":\"" + id + "\",\"tns\":[\"+" + tn + "\"]}").getBytes(StandardCharsets.UTF_8)));
        }
        expected.stockIn(sandbox);
        app = app().with("opentact.order.batching", "true")
                .with("opentact.order.parallel-orders", "2") // few case threads: each poll's cases queue
                .with("opentact.order.batch-max-numbers", "1") // each request a case of its own
                .with("opentact.kafka.max-poll-records", "8")
                .with("opentact.order.batch-wait-ms", "200")
                .with("opentact.api.retries", "0") // one 503 fails its case, and so its poll
                .with("opentact.intake.outage-pause-ms", "2000")
                .start();
        LogCapture tickets = new LogCapture(CaseTickets.class.getName());
        RequestConsumers consumers = app.bean("requestConsumers", RequestConsumers.class);
        List<String> postedWithoutClaim = new CopyOnWriteArrayList<>();
        sandbox.onOrderArrival(tns -> tns.forEach(tn -> {
            String id = requestOf.get(tn);
            if (id == null || !consumers.owns(id)) {
                postedWithoutClaim.add(id + " (+" + tn + ")");
            }
        }));

        long start = System.nanoTime();
        TopicProbe.sendAll(app.brokers, app.topic("requests"), records);
        // Once orders are being placed, every poll's cases are in the queue: the next price calls fail.
        await().atMost(WAIT).until(() -> sandbox.orderCount() >= 2);
        // Three price calls fail; if none of them belonged to a poll with cases still queued (the
        // threads had taken them all), three more, and so on: at most five rounds (bounded).
        for (int round = 1; round <= 5 && !queuedCaseCancelled(tickets); round++) {
            sandbox.failNext("/rest/order/price", 503, 3);
            int injected = 3 * round;
            await().atMost(WAIT).until(() -> sandbox.faultsInjected() >= injected);
            try {
                await().atMost(Duration.ofSeconds(3)).until(() -> queuedCaseCancelled(tickets));
            } catch (ConditionTimeoutException notThisRound) {
                LOG.info("poll-given-back: round {} of failed price calls cancelled no queued case", round);
            }
        }

        Invariants.Figures f = Invariants.check("poll-given-back", app.brokers, app.topic("outcomes"),
                app.topic("numbers"), expected, sandbox, LAST_OUTCOME_WITHIN);
        Duration lastOutcome = Duration.ofNanos(System.nanoTime() - start);
        List<String> notStarted = tickets.messages().stream().filter(m -> m.contains(NOT_STARTED)).toList();
        tickets.close();
        LOG.info("poll-given-back: {} order POSTs, {} price calls, {} queued case(s) of polls given back cancelled, "
                        + "the last outcome after {} ms; POSTs without the claim of their request: {}",
                sandbox.callTimes("/rest/order").size(), sandbox.callTimes("/rest/order/price").size(),
                notStarted.size(), lastOutcome.toMillis(), postedWithoutClaim);

        assertThat(notStarted).as("the scenario: cases of a poll given back were still queued").isNotEmpty();

        assertThat(postedWithoutClaim).as("order POSTs for requests this instance held no claim of at that moment")
                .isEmpty();
        assertThat(f.outcomes()).isEqualTo(REQUESTS);
        assertThat(f.stateByRequest()).as("every request bought in the end").allSatisfy((id, state) ->
                assertThat(state).as(id).isEqualTo("completed"));
        assertThat(lastOutcome).as("time to the last outcome").isLessThan(LAST_OUTCOME_WITHIN);
    }
}
