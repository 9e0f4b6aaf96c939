package dev.tnorders.opentact.it.opentact;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.tnorders.opentact.it.AppProcess;
import dev.tnorders.opentact.it.Invariants;
import dev.tnorders.opentact.it.SandboxAndAppProcess;
import dev.tnorders.opentact.it.SharedKafka;
import dev.tnorders.opentact.it.TestMode;
import dev.tnorders.opentact.it.TopicProbe;
import dev.tnorders.opentact.it.Trickle;
import dev.tnorders.opentact.sandbox.OpentactSandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A stream of requests from Kafka and a CSV file while the sandbox misbehaves in every way the
 * API can: bursts of 500/502/503, 429 with Retry-After, answers that come after the client's
 * response timeout, connections closed after the order POST was carried out, answers cut off
 * mid-JSON, an order state no client knows, a refused token mid-run and an empty balance mid-run,
 * and the documented odd corners: a proxy's HTML 502 after the order POST was carried out, a 200
 * with {@code success: false}, orders that show in the order search only seconds later. The
 * sandbox answers in the documented style throughout (summary-only order search in small pages,
 * a bought number listed twice). Requests trickle in as from a live service, with the default
 * poll settings, so the faults land on many order POSTs. The app runs as its own JVM (sending
 * the token in the URL, the riskiest form) so that its whole log can be searched for the token
 * afterwards.
 */
class OpentactFaultsIT extends SandboxAndAppProcess {

    private static final Logger LOG = LoggerFactory.getLogger(OpentactFaultsIT.class);
    private static final Duration WAIT = Duration.ofSeconds(180);


    private record Episode(String name, int faults, Runnable inject) {
    }

    @Test
    void everyFaultEndsInOneOutcomePerRequestAndNothingBoughtTwice() throws Exception {
        int maxRequests = Integer.getInteger("faults.requests", 400);
        int rows = Integer.getInteger("faults.rows", 30);
        String token = "faults-secret-" + UUID.randomUUID();
        sandbox = OpentactSandbox.start(0, token);
        sandbox.setCompletionDelay(Duration.ofMillis(150));
        sandbox.setBalance(new BigDecimal("100000.00"));
        String brokers = SharedKafka.bootstrapServers();
        String p = "faults" + UUID.randomUUID().toString().substring(0, 6) + ".";
        Path inbox = work.resolve("inbox");
        Path outbox = work.resolve("outbox");
        Files.createDirectories(inbox);
        app = new AppProcess(Path.of("target", "it-logs", p + "log"), List.of())
                .standardEnv(p, sandbox.baseUrl(), token, brokers, inbox, outbox)
                .env("OPENTACT_API_AUTH", "query")
                .env("OPENTACT_API_RESPONSE_TIMEOUT_MS", "1000")
                .env("OPENTACT_API_RETRY_DELAY_MS", "50")
                .env("OPENTACT_API_AUTH_PROBE_INTERVAL_MS", "300")
                .env("OPENTACT_INTAKE_OUTAGE_PAUSE_MS", "1000")
                .env("OPENTACT_INTAKE_BALANCE_PAUSE_MS", "1500")
                .env("OPENTACT_INBOX_QUIET_MS", "300")
                .env("OPENTACT_ORDER_POLL_MAX_INTERVAL_MS", "200")
                // The reconcile window derived from these, the response timeout above and the search's
                // delay below (0.5 + 0.5 + 1 + 1 + 2.5 = 5.5 s); short, so the run is short.
                .env("OPENTACT_ORDER_SEND_DEADLINE_MS", "500")
                .env("OPENTACT_API_CONNECT_TIMEOUT_MS", "500")
                .env("OPENTACT_ORDER_RECONCILE_CLOCK_SKEW_MS", "1000")
                .env("OPENTACT_ORDER_RECONCILE_SEARCH_LAG_MS", "2500")
                .env("OPENTACT_ORDER_RECONCILE_INTERVAL_MS", "300")
                .env("OPENTACT_ORDER_BATCH_MAX_NUMBERS", String.valueOf(BATCH_MAX_NUMBERS));

        Invariants.Expected expected = new Invariants.Expected();
        StringBuilder csv = new StringBuilder("tn,features\n");
        for (int j = 0; j < rows; j++) {
            csv.append("+").append(16042000000L + j).append(",voice\n");
            expected.csv("faults.csv", j + 2, 16042000000L + j);
        }
        // One bad record and one bad row, so that the DLQ and a rejects file are searched for the token too.
        TopicProbe.send(brokers, p + "requests", "bad-1", "{\"request_id\":\"bad-1\",\"tns\":[\"not-a-number\"]}");
        csv.append("not-a-number,voice\n");
        sandbox.setSearchPageCap(5); // small pages, as seed 000 shows: the search is paged by its own take
        app.start();
        Files.writeString(inbox.resolve("faults.csv"), csv, StandardCharsets.UTF_8);
        // Kafka requests trickle in, one every 120 ms, for as long as the episodes need orders.
        Trickle trickle = new Trickle(brokers, p + "requests", Duration.ofMillis(120), maxRequests, i -> {
            long a = 16462000000L + 2L * i;
            expected.kafka("f-" + i, a, a + 1);
            return Map.entry("f-" + i, "{\"request_id\":\"f-" + i + "\",\"tns\":[\"+" + a + "\",\"+" + (a + 1) + "\"]}");
        });

        List<Episode> episodes = List.of(
                new Episode("500 burst on price", 3, () -> sandbox.failNext("/rest/order/price", 500, 3)),
                new Episode("502 burst on order reads", 3, () -> sandbox.failNext("/rest/order/*", 502, 3)),
                new Episode("503 to the order POST (not carried out)", 1, () -> sandbox.failNext("/rest/order", 503, 1)),
                new Episode("503 burst longer than the retries", 7, () -> sandbox.failNext("/rest/order/price", 503, 7)),
                new Episode("429 with Retry-After", 2, () -> sandbox.failNext("/rest/order/price", 429, 2)),
                new Episode("order POST answered after the response timeout", 1,
                        () -> sandbox.hangNext("/rest/order", 1, Duration.ofMillis(2500))),
                new Episode("connection closed after the order POST was carried out", 2,
                        () -> sandbox.dropAnswerAfterHandling("/rest/order", 2)),
                new Episode("a proxy's HTML 502 after the order POST was carried out, the order in the search 2 s late", 2,
                        () -> {
                            sandbox.setSearchDelay(Duration.ofSeconds(2));
                            sandbox.proxyErrorAfterHandling("/rest/order", 2);
                        }),
                new Episode("a proxy's HTML 502 before the order POST reached Opentact", 1, () -> {
                    sandbox.setSearchDelay(Duration.ZERO);
                    sandbox.proxyErrorNext("/rest/order", 1);
                }),
                new Episode("200 with success:false on price", 2, () -> sandbox.successFalseNext("/rest/order/price", 2)),
                new Episode("order POST answer cut off mid-JSON", 1, () -> sandbox.malformedAnswerNext("/rest/order", 1)),
                new Episode("price answer cut off mid-JSON", 1, () -> sandbox.malformedAnswerNext("/rest/order/price", 1)),
                new Episode("order state no client knows", 3, () -> sandbox.unexpectedOrderStateNext("on_hold", 3)));
        int planned = 0;
        for (Episode e : episodes) {
            awaitProgress(2);
            LOG.info("fault: {}", e.name());
            e.inject().run();
            planned += e.faults();
            int fired = planned;
            await().atMost(WAIT).until(() -> sandbox.faultsInjected() >= fired); // before the next one replaces it
        }

        // 401 mid-run: intake pauses (no order POST while paused), probes, and resumes by itself.
        awaitProgress(2);
        sandbox.setToken("rotated-" + UUID.randomUUID());
        await().atMost(WAIT).until(() -> logLinesContaining("refused the API token") > 0);
        // Batches already past the pause end with their 401; then no order POST goes out for 2 s on end.
        AtomicInteger postsSeen = new AtomicInteger(-1);
        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(15))
                .until(() -> postsSeen.getAndSet(sandbox.callTimes("/rest/order").size()) == postsSeen.get());
        await().atMost(WAIT).until(() -> !sandbox.callTimes("/rest/lease/tn").isEmpty());
        int resumedBefore = logLinesContaining("Intake RESUMED");
        sandbox.setToken(token);
        await().atMost(WAIT).until(() -> logLinesContaining("Intake RESUMED") > resumedBefore);

        // 402 mid-run: the request whose order met the empty balance is rejected, the rest go on.
        awaitProgress(2);
        int balanceRefusals = sandbox.answered(402);
        sandbox.setBalance(BigDecimal.ZERO);
        await().atMost(WAIT).until(() -> sandbox.answered(402) > balanceRefusals);
        sandbox.setBalance(new BigDecimal("100000.00"));
        int refused = sandbox.answered(402) - balanceRefusals;
        awaitProgress(2);
        trickle.close();
        int requests = trickle.sent();

        Invariants.Figures f = Invariants.check("opentact-faults", brokers, p + "outcomes", p + "numbers", expected,
                sandbox, WAIT);
        List<TopicProbe.Rec> rejected = new ArrayList<>();
        for (TopicProbe.Rec o : f.outcomeRecords()) {
            if ("rejected".equals(o.get("state"))) {
                rejected.add(o);
            } else {
                assertThat(o.get("state")).as(Invariants.name(o)).isEqualTo("completed");
            }
        }
        assertThat(rejected).allSatisfy(o ->
                assertThat((String) o.get("reason")).contains("Not enough account balance"));
        if (TestMode.batching()) {
            // A 402 to a batch's order refuses each of its requests (at most BATCH_MAX_NUMBERS).
            assertThat(rejected.size()).isBetween(refused, refused * BATCH_MAX_NUMBERS);
        } else {
            assertThat(rejected).hasSize(refused);
        }
        assertThat(sandbox.faultsInjected()).as("injected faults that fired").isEqualTo(planned);
        // The DLQ is at-least-once: in batching mode a poll given back (here: the outage episode)
        // is read again and its bad record published again (docs/guarantees.md, "Status and known limits").
        List<TopicProbe.Rec> dlq = TopicProbe.read(brokers, p + "dlq", 2, WAIT, Duration.ofSeconds(1));
        assertThat(dlq.stream().map(d -> d.value().get("source")).distinct()).as("bad inputs in the DLQ").hasSize(2);
        if (!TestMode.batching()) {
            assertThat(dlq).hasSize(2);
        }
        await().atMost(WAIT).until(() -> Files.exists(outbox.resolve("faults.csv.rejects.csv"))
                && Files.exists(outbox.resolve("faults.csv.results.csv")));
        int read = Invariants.assertNoSecret(token, app.log(), brokers,
                List.of(p + "requests", p + "outcomes", p + "numbers", p + "dlq", p + "journal"), outbox);
        LOG.info("opentact-faults: {} requests trickled in + {} CSV rows, {} order POSTs; {} faults fired ({} episodes) + "
                + "401 mid-run + {} x 402; {} log lines, records and files searched for the token", requests, rows,
                sandbox.orderCount(), sandbox.faultsInjected(), episodes.size(), refused, read);
        Map<String, String> states = f.stateByRequest();
        assertThat(states).hasSize(requests + rows);
    }

    private static final int BATCH_MAX_NUMBERS = 4;

    /** Waits until the sandbox has taken {@code orders} more orders than now. */
    private void awaitProgress(int orders) {
        int mark = sandbox.orderCount();
        await().atMost(WAIT).until(() -> sandbox.orderCount() >= mark + orders);
    }

    private int logLinesContaining(String text) throws Exception {
        return Files.readAllLines(app.log(), StandardCharsets.UTF_8).stream().filter(l -> l.contains(text)).mapToInt(l -> 1).sum();
    }
}
