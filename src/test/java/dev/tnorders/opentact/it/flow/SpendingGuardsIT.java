package dev.tnorders.opentact.it.flow;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;

import dev.tnorders.opentact.it.SandboxAndApp;
import dev.tnorders.opentact.it.TopicProbe;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What keeps spending in bounds, through real Kafka and the sandbox: the shared rate limit
 * towards Opentact, and the daily and per-file budgets (also across a restart).
 */
class SpendingGuardsIT extends SandboxAndApp {

    @Test
    void everyCallToOpentactKeepsToTheSharedRateLimit() throws Exception {
        int limit = 4;
        app = app().with("opentact.api.rate-limit", String.valueOf(limit)).start();
        // Each request has its own max_nrc, so it needs its own price: in batching mode too it goes
        // as a case of one, and six requests make (at least) 18 calls in either mode.
        for (int i = 1; i <= 6; i++) {
            TopicProbe.send(app.brokers, app.topic("requests"), "rate-" + i,
                    "{\"request_id\":\"rate-" + i + "\",\"tns\":[\"+1201209000" + i + "\"],\"max_nrc\":\"5.00\"}");
        }
        List<TopicProbe.Rec> outcomes = TopicProbe.read(app.brokers, app.topic("outcomes"), 6, WAIT, SETTLE);
        assertThat(outcomes).hasSize(6).allSatisfy(o -> assertThat(o.value()).containsEntry("state", "completed"));

        List<Instant> calls = sandbox.callTimes();
        assertThat(calls).hasSizeGreaterThanOrEqualTo(18); // price, order and at least one GET each
        // Any limit+1 consecutive calls span (nearly) a second: allow 100 ms for the trip to the sandbox.
        for (int i = 0; i + limit < calls.size(); i++) {
            assertThat(Duration.between(calls.get(i), calls.get(i + limit)))
                    .as("calls %d..%d", i, i + limit).isGreaterThanOrEqualTo(Duration.ofMillis(900));
        }
    }

    @Test
    void aRequestedFeaturesMonthlyPriceCountsAgainstMaxMrc() throws Exception {
        // Base mrc 0.50 is within max_mrc 1.00; with sms (0.75 a month) a number costs 1.25.
        sandbox.setFeaturePrice("sms", new BigDecimal("0.00"), new BigDecimal("0.75"));
        app = app().start();
        TopicProbe.send(app.brokers, app.topic("requests"), ONE_PARTITION,
                "{\"request_id\":\"sms-1\",\"tns\":[\"+12012090301\"],\"features\":[\"voice\",\"sms\"],\"max_mrc\":\"1.00\"}");
        TopicProbe.send(app.brokers, app.topic("requests"), ONE_PARTITION,
                "{\"request_id\":\"voice-1\",\"tns\":[\"+12012090302\"],\"features\":[\"voice\"],\"max_mrc\":\"1.00\"}");
        Map<String, TopicProbe.Rec> byId = byId(TopicProbe.read(app.brokers, app.topic("outcomes"), 2, WAIT, SETTLE));
        assertThat(byId.get("sms-1").value()).containsEntry("state", "rejected").containsEntry("numbers_ordered", 0);
        assertThat((String) byId.get("sms-1").get("reason")).contains("1.25 a month").contains("max_mrc 1.00");
        assertThat(sandbox.orderAttempts(12012090301L)).isZero();
        // Without sms the same limit is met: it is ordered.
        assertThat(byId.get("voice-1").value()).containsEntry("state", "completed");
        assertThat(sandbox.purchaseCount(12012090302L)).isEqualTo(1);
    }

    /** One key for every record: one partition, so the requests are handled in the order sent. */
    private static final String ONE_PARTITION = "budget-test";

    @Test
    void theDailyBudgetStopsOrdersAndHoldsAcrossARestart() throws Exception {
        app = app().with("opentact.budget.daily-nrc", "3.00").start();
        TopicProbe.send(app.brokers, app.topic("requests"), ONE_PARTITION, "{\"request_id\":\"day-1\",\"tns\":[\"+12012090101\",\"+12012090102\"]}");
        TopicProbe.send(app.brokers, app.topic("requests"), ONE_PARTITION, "{\"request_id\":\"day-2\",\"tns\":[\"+12012090103\",\"+12012090104\"]}");
        Map<String, TopicProbe.Rec> byId = byId(TopicProbe.read(app.brokers, app.topic("outcomes"), 2, WAIT, SETTLE));
        assertThat(byId.get("day-1").value()).containsEntry("state", "completed");
        assertThat(byId.get("day-2").value()).containsEntry("state", "rejected").containsEntry("numbers_ordered", 0);
        assertThat((String) byId.get("day-2").get("reason")).contains("daily budget").contains("2.00 spent");
        assertThat(sandbox.orderAttempts(12012090103L)).isZero();

        app.close(); // a restart rebuilds today's spend from the journal
        app.start();
        TopicProbe.send(app.brokers, app.topic("requests"), ONE_PARTITION, "{\"request_id\":\"day-3\",\"tns\":[\"+12012090105\"]}");
        TopicProbe.send(app.brokers, app.topic("requests"), ONE_PARTITION, "{\"request_id\":\"day-4\",\"tns\":[\"+12012090106\",\"+12012090107\"]}");
        byId = byId(TopicProbe.read(app.brokers, app.topic("outcomes"), 4, WAIT, SETTLE));
        assertThat(byId.get("day-3").value()).containsEntry("state", "completed");
        assertThat(byId.get("day-4").value()).containsEntry("state", "rejected");
        assertThat((String) byId.get("day-4").get("reason")).contains("3.00 spent");
        assertThat(sandbox.purchases().keySet()).containsExactlyInAnyOrder(12012090101L, 12012090102L, 12012090105L);
    }

    @Test
    void theFileBudgetStopsTheRestOfAFile() throws Exception {
        app = app().with("opentact.budget.file-nrc", "2.50").start();
        Files.createDirectories(app.inbox);
        Files.writeString(app.inbox.resolve("budget.csv"), """
                tn
                2012090201
                2012090202
                2012090203
                """, StandardCharsets.UTF_8);
        List<TopicProbe.Rec> outcomes = TopicProbe.read(app.brokers, app.topic("outcomes"), 3, WAIT, SETTLE);
        Map<String, Long> states = outcomes.stream().collect(Collectors.groupingBy(o -> (String) o.get("state"),
                Collectors.counting()));
        assertThat(states).containsEntry("completed", 2L).containsEntry("rejected", 1L);
        assertThat(outcomes).filteredOn(o -> o.get("state").equals("rejected"))
                .singleElement().satisfies(o -> assertThat((String) o.get("reason")).contains("file's budget"));
        assertThat(sandbox.purchases()).hasSize(2);

        // A Kafka request is not bound by a file's budget.
        TopicProbe.send(app.brokers, app.topic("requests"), "k-1", "{\"request_id\":\"k-1\",\"tns\":[\"+12012090204\"]}");
        assertThat(byId(TopicProbe.read(app.brokers, app.topic("outcomes"), 4, WAIT, SETTLE)).get("k-1").value())
                .containsEntry("state", "completed");
    }

    private static Map<String, TopicProbe.Rec> byId(List<TopicProbe.Rec> outcomes) {
        return outcomes.stream().collect(Collectors.toMap(o -> (String) o.get("request_id"), o -> o, (a, b) -> b));
    }
}
