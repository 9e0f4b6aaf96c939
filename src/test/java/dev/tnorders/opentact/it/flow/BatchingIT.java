package dev.tnorders.opentact.it.flow;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;

import dev.tnorders.opentact.control.IntakeControl;
import dev.tnorders.opentact.it.RunningApp;
import dev.tnorders.opentact.it.SandboxAndApp;
import dev.tnorders.opentact.it.TopicProbe;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Batching mode through real Kafka and the sandbox: compatible requests share price and order
 * calls, everything else goes as a case of one, and each request still ends with exactly
 * one outcome and each number is bought at most once.
 */
class BatchingIT extends SandboxAndApp {

    private RunningApp batchingApp() {
        return app().with("opentact.order.batching", "true")
                .with("opentact.kafka.max-poll-records", "200")
                .with("opentact.order.batch-wait-ms", "1000")
                .with("opentact.order.batch-max-numbers", "10");
    }

    @Test
    void compatibleRequestsShareCallsAndTheRestTakeTheirOwnPath() throws Exception {
        app = batchingApp().start();
        List<String> records = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            records.add("{\"request_id\":\"b-" + i + "\",\"tns\":[\"+1201205" + String.format("%04d", i) + "\"]}");
        }
        records.add("{\"request_id\":\"pair\",\"tns\":[\"+12012050100\",\"+12012050101\"]}");
        records.add("{\"request_id\":\"fax\",\"tns\":[\"+12012050102\"],\"features\":[\"fax\"]}");
        records.add("{\"request_id\":\"limited\",\"tns\":[\"+12012050103\"],\"max_nrc\":\"5.00\"}");
        records.add("{\"request_id\":\"crit\",\"search\":{\"area_code\":\"415\",\"exchange\":\"777\",\"quantity\":2}}");
        records.add("{\"request_id\":\"again\",\"tns\":[\"+12012050000\"]}"); // b-0's number, asked twice
        records.add("{\"request_id\":\"broken\",\"tns\":[\"not a number\"]}");
        for (String r : records) {
            TopicProbe.send(app.brokers, app.topic("requests"), "same-partition", r);
        }

        List<TopicProbe.Rec> outcomes = TopicProbe.read(app.brokers, app.topic("outcomes"), 45, WAIT, SETTLE);
        Map<String, List<TopicProbe.Rec>> byId = outcomes.stream()
                .collect(Collectors.groupingBy(o -> (String) o.get("request_id")));
        assertThat(byId).hasSize(45).allSatisfy((id, list) -> assertThat(list).as(id).hasSize(1));
        for (int i = 0; i < 40; i++) {
            assertThat(byId.get("b-" + i).get(0).value()).containsEntry("state", "completed")
                    .containsEntry("numbers_ordered", 1);
            assertThat(byId.get("b-" + i).get(0).map("price")).containsEntry("nrc", "1.00").containsEntry("mrc", "0.50");
        }
        assertThat(byId.get("pair").get(0).value()).containsEntry("state", "completed").containsEntry("numbers_ordered", 2);
        assertThat(byId.get("fax").get(0).value()).containsEntry("state", "completed");
        assertThat(byId.get("limited").get(0).value()).containsEntry("state", "completed");
        assertThat(byId.get("crit").get(0).value()).containsEntry("state", "completed").containsEntry("numbers_ordered", 2);
        assertThat(byId.get("again").get(0).value()).containsEntry("state", "failed");

        List<TopicProbe.Rec> numbers = TopicProbe.read(app.brokers, app.topic("numbers"), 47, WAIT, SETTLE);
        assertThat(numbers).hasSize(47);
        assertThat(TopicProbe.read(app.brokers, app.topic("dlq"), 1, WAIT, SETTLE)).singleElement()
                .satisfies(d -> assertThat((String) d.get("error")).contains("tn").contains("not a phone number"));
        assertThat(sandbox.purchases().values()).containsOnly(1);
        assertThat(sandbox.purchases()).hasSize(46);
        // 41 plain voice+sms requests in batches of at most 10 numbers: 5 orders, not 41.
        assertThat(sandbox.callTimes("/rest/order/price").size()).isLessThanOrEqualTo(5 + 4);
        assertThat(sandbox.orderCount()).isLessThanOrEqualTo(5 + 5);
    }

    @Test
    void aBatchWhoseOrderAnswerWasLostIsReconciledNotBoughtAgain() throws Exception {
        sandbox.dropAnswerAfterHandling("/rest/order", 1);
        app = batchingApp().start();
        for (int i = 0; i < 5; i++) {
            TopicProbe.send(app.brokers, app.topic("requests"), "same-partition",
                    "{\"request_id\":\"lost-" + i + "\",\"tns\":[\"+1201206000" + i + "\"]}");
        }
        List<TopicProbe.Rec> outcomes = TopicProbe.read(app.brokers, app.topic("outcomes"), 5, WAIT, SETTLE);
        assertThat(outcomes).hasSize(5).allSatisfy(o -> assertThat(o.value()).containsEntry("state", "completed"));
        assertThat(outcomes.stream().map(o -> o.get("order_uuid")).distinct()).hasSize(1);
        for (int i = 0; i < 5; i++) {
            assertThat(sandbox.orderAttempts(1201206000L * 10 + i)).isEqualTo(1);
        }
        assertThat(sandbox.purchases().values()).containsOnly(1).hasSize(5);
    }

    @Test
    void aBatchRefusedForBalanceRejectsEachRequestInOpentactsWords() throws Exception {
        sandbox.setBalance(new BigDecimal("2.00"));
        app = batchingApp().with("opentact.intake.balance-pause-ms", "60000").start();
        for (int i = 0; i < 3; i++) {
            TopicProbe.send(app.brokers, app.topic("requests"), "same-partition",
                    "{\"request_id\":\"poor-" + i + "\",\"tns\":[\"+1201207000" + i + "\"]}");
        }
        List<TopicProbe.Rec> outcomes = TopicProbe.read(app.brokers, app.topic("outcomes"), 3, WAIT, SETTLE);
        assertThat(outcomes).hasSize(3).allSatisfy(o -> {
            assertThat(o.value()).containsEntry("state", "rejected");
            assertThat((String) o.get("reason")).contains("Not enough account balance");
        });
        assertThat(sandbox.purchases()).isEmpty();
        assertThat(app.bean("intakeControl", IntakeControl.class).isPaused()).isTrue();
    }
}
