package dev.tnorders.opentact.it.opentact;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.tnorders.opentact.it.Invariants;
import dev.tnorders.opentact.it.SandboxAndApp;
import dev.tnorders.opentact.it.TopicProbe;
import dev.tnorders.opentact.it.Trickle;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Requests trickle in while Opentact is degraded, at random from one seed, in the documented error
 * style ({@code OpentactSandbox.degrade}): a 503 with the error envelope to one call in seven, a 429
 * with Retry-After to one in eleven, one order lookup in thirteen cut off mid-JSON, one order POST in
 * five carried out and then its connection reset (the order is placed, the answer lost); the order
 * search shows a new order only 5 s after it was created, at most 10 orders a page. Reconciliation's
 * reads are retried like every call safe to repeat, so the lost answers are found: fewer than 1% of
 * the requests whose order was placed end {@code unknown}, every request has one outcome, no number
 * is in two order POSTs, nothing is lost, and the last outcome comes within a bound.
 *
 * <p>Size: {@code -Ddegraded.requests} (two numbers each; 100 here, 1,000 with -Preliability),
 * {@code -Ddegraded.seed}.
 */
class DegradedReconciliationIT extends SandboxAndApp {

    private static final Logger LOG = LoggerFactory.getLogger(DegradedReconciliationIT.class);
    private static final Duration PERIOD = Duration.ofMillis(100);
    /** The reconcile window here: above the search's 5 s lag and the response timeout. */
    private static final long WINDOW_MS = 10_000;
    /**
     * From the last request sent to the last outcome, at the most: 60 s, and 0.15 s more per request.
     * A request whose order POSTs meet 503s is reconciled after each (a window and its reads) before
     * it is sent again, up to three times; and a call that still fails after its retries (one in about
     * 2,000 here) gives its poll back, whose partitions wait for their work in flight (reconciliations
     * among it) before they are read again: the more requests, the more such stalls.
     */
    private static Duration tail(int requests) {
        return Duration.ofSeconds(60).plusMillis(150L * requests);
    }

    @Test
    void lostAnswersAreReconciledThoughEveryReadMayFail() throws Exception {
        int requests = Integer.getInteger("degraded.requests", 100);
        long seed = Long.getLong("degraded.seed", 22L);
        sandbox.setBalance(new BigDecimal("1000000.00"));
        sandbox.setSearchDelay(Duration.ofSeconds(5));
        sandbox.setSearchPageCap(10);
        sandbox.degrade(seed, 7, 11, 13, 5);
        app = app()
                .with("opentact.api.response-timeout-ms", "2000")
                .with("opentact.order.reconcile-window-ms", Long.toString(WINDOW_MS))
                .with("opentact.order.reconcile-interval-ms", "2000")
                .with("opentact.intake.outage-pause-ms", "2000")
                // An order per request: many orders, so that a pass reads many pages of the order search.
                .with("opentact.order.batch-max-numbers", "2")
                .with("opentact.api.rate-limit", "100")
                .start();

        Invariants.Expected expected = new Invariants.Expected();
        List<String> bodies = new ArrayList<>();
        for (int i = 0; i < requests; i++) {
            long a = 16472000000L + 2L * i;
            expected.kafka("d-" + i, a, a + 1);
            bodies.add("{\"request_id\":\"d-" + i + "\",\"tns\":[\"+" + a + "\",\"+" + (a + 1) + "\"]}");
        }
        expected.stockIn(sandbox);
        Instant start = Instant.now();
        Trickle trickle = new Trickle(app.brokers, app.topic("requests"), PERIOD, requests,
                i -> Map.entry("d-" + i, bodies.get(i)));
        Duration trickling = PERIOD.multipliedBy(requests);
        List<TopicProbe.Rec> outcomes = TopicProbe.read(app.brokers, app.topic("outcomes"), requests,
                trickling.plus(tail(requests)).plus(Duration.ofSeconds(60)), SETTLE);
        trickle.close();
        Instant lastSent = start.plus(PERIOD.multipliedBy(requests - 1));

        // The requests whose order was placed: some of their numbers reached Opentact in an order POST it carried out.
        Set<Long> posted = sandbox.orderAttempts().keySet();
        Map<String, String> stateOf = new TreeMap<>();
        Map<String, String> reasonOf = new TreeMap<>();
        outcomes.forEach(o -> {
            stateOf.put(Invariants.name(o), (String) o.get("state"));
            reasonOf.put(Invariants.name(o), (String) o.get("reason"));
        });
        List<String> placed = new ArrayList<>();
        for (int i = 0; i < requests; i++) {
            long a = 16472000000L + 2L * i;
            if (posted.contains(a) || posted.contains(a + 1)) {
                placed.add("d-" + i);
            }
        }
        List<String> unknown = placed.stream().filter(r -> "unknown".equals(stateOf.get(r))).toList();
        // Reconciliation that could not tell, whether the order was placed or not (a POST refused with a 503).
        List<String> untold = stateOf.keySet().stream().filter(r -> "unknown".equals(stateOf.get(r))
                && reasonOf.get(r) != null && reasonOf.get(r).contains("could not tell")).toList();
        Instant lastOutcome = outcomes.stream().map(o -> Instant.parse((String) o.get("completed_at")))
                .max(Instant::compareTo).orElse(start);
        Map<String, Long> calls = callsByKind();
        double share = placed.isEmpty() ? 0 : (double) unknown.size() / placed.size();
        LOG.info("degraded: {} requests ({} outcomes: {}), {} placed, {} of them unknown ({}%), {} unknown for want of "
                        + "reconciliation answers; {} s to the last outcome, {} s after the last request; faults {}; calls {}; "
                        + "unknown: {}",
                requests, outcomes.size(), new TreeMap<>(stateOf.values().stream().collect(Collectors.groupingBy(st -> st,
                        Collectors.counting()))), placed.size(), unknown.size(), String.format("%.2f", 100 * share), untold.size(),
                Duration.between(start, lastOutcome).toMillis() / 1000.0,
                Duration.between(lastSent, lastOutcome).toMillis() / 1000.0, sandbox.degradedFaults(), calls,
                stateOf.keySet().stream().filter(r -> "unknown".equals(stateOf.get(r)))
                        .collect(Collectors.toMap(r -> r, reasonOf::get)));

        assertThat(sandbox.degradedFaults()).as("every kind of fault fired").allSatisfy((k, n) -> assertThat(n).isPositive());
        assertThat(placed).as("requests whose order was placed").hasSizeGreaterThan(requests / 2);
        assertThat(share).as("the share of the requests whose order was placed that ended unknown: %s",
                unknown.stream().map(r -> r + ": " + reasonOf.get(r)).toList()).isLessThan(0.01);
        assertThat((double) untold.size() / requests).as("the share of all requests that ended unknown because "
                + "reconciliation's answers could not tell: %s", untold).isLessThan(0.01);
        Invariants.check("degraded", app.brokers, app.topic("outcomes"), app.topic("numbers"), expected, sandbox, WAIT);
        assertThat(Duration.between(lastSent, lastOutcome)).as("from the last request sent to the last outcome")
                .isLessThan(tail(requests));
    }

    /** The calls the sandbox took, by kind. */
    private Map<String, Long> callsByKind() {
        Map<String, Long> out = new TreeMap<>();
        out.put("order POST", (long) sandbox.callTimes("/rest/order").size());
        out.put("price", (long) sandbox.callTimes("/rest/order/price").size());
        out.put("order search", (long) sandbox.callTimes("/rest/order/search").size());
        out.put("lease search", (long) sandbox.callTimes("/rest/lease/tn/search").size());
        out.put("order lookup", (long) sandbox.callTimesMatching(p -> p.startsWith("/rest/order/") && !p.equals("/rest/order/price")
                && !p.equals("/rest/order/search") && !p.equals("/rest/order/tn")).size());
        out.put("all", (long) sandbox.callTimes().size());
        return out;
    }
}
