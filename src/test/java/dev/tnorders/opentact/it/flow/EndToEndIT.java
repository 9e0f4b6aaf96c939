package dev.tnorders.opentact.it.flow;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;

import dev.tnorders.opentact.control.IntakeControl;
import dev.tnorders.opentact.it.SandboxAndApp;
import dev.tnorders.opentact.it.TopicProbe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The whole flow through a real Kafka broker and the Opentact sandbox over HTTP: CSV files and
 * Kafka requests each end in one outcome per request and one record per number.
 */
class EndToEndIT extends SandboxAndApp {

    @Test
    void csvFileOfSeveralNumbers() throws Exception {
        sandbox.removeInventory(12012000009L);
        app = app().start();
        Files.createDirectories(app.inbox);
        Files.writeString(app.inbox.resolve("orders.csv"), """
                tn,features,autorenew
                +1 202 982 2917,voice;sms,true
                (201) 200-0001,voice,yes
                2012000009,sms,1
                """, StandardCharsets.UTF_8);

        List<TopicProbe.Rec> outcomes = TopicProbe.read(app.brokers, app.topic("outcomes"), 3, WAIT, SETTLE);
        List<TopicProbe.Rec> numbers = TopicProbe.read(app.brokers, app.topic("numbers"), 3, WAIT, SETTLE);

        assertThat(outcomes).hasSize(3);
        Map<Object, String> stateByLine = outcomes.stream().collect(Collectors.toMap(o -> o.map("source").get("line"),
                o -> (String) o.get("state")));
        assertThat(stateByLine).containsEntry(2, "completed").containsEntry(3, "completed").containsEntry(4, "failed");
        TopicProbe.Rec failed = outcomes.stream().filter(o -> o.get("state").equals("failed")).findFirst().orElseThrow();
        assertThat((String) failed.get("reason")).isNotBlank();
        assertThat(failed.get("order_uuid")).isNotNull();
        assertThat(failed.map("source")).containsEntry("file", "orders.csv");
        for (TopicProbe.Rec o : outcomes) {
            assertThat(o.key()).isEqualTo(o.get("request_id"));
            assertThat(o.value()).containsKeys("numbers_requested", "numbers_ordered", "numbers_failed", "price",
                    "received_at", "completed_at");
            assertThat((String) o.get("completed_at")).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z");
        }

        assertThat(numbers).hasSize(3);
        assertThat(numbers).extracting(TopicProbe.Rec::key)
                .containsExactlyInAnyOrder("+12029822917", "+12012000001", "+12012000009");
        TopicProbe.Rec failedNumber = numbers.stream().filter(n -> n.key().equals("+12012000009")).findFirst().orElseThrow();
        assertThat(failedNumber.get("state")).isEqualTo("failed");
        assertThat(failedNumber.get("reason")).isEqualTo(failed.get("reason"));

        assertThat(sandbox.purchaseCount(12029822917L)).isEqualTo(1);
        assertThat(sandbox.purchaseCount(12012000001L)).isEqualTo(1);
        assertThat(sandbox.purchaseCount(12012000009L)).isZero();

        await().atMost(WAIT).untilAsserted(() -> {
            assertThat(app.inbox.resolve("orders.csv")).doesNotExist();
            try (var done = Files.list(app.inbox.resolve(".done"))) {
                assertThat(done).hasSize(1);
            }
            assertThat(Files.readAllLines(app.outbox.resolve("orders.csv.results.csv"))).hasSize(4)
                    .first().isEqualTo("request_id,line,tn,state,reason,order_uuid,nrc,mrc");
        });
    }

    @Test
    void kafkaRequestWithSeveralNumbers() throws Exception {
        app = app().start();
        TopicProbe.send(app.brokers, app.topic("requests"), "k1", """
                {"request_id": "crm-7781", "tns": ["+12029822917", "2025550143"],
                 "features": ["voice", "sms"], "autorenew": true, "max_nrc": "5.00"}""");

        List<TopicProbe.Rec> outcomes = TopicProbe.read(app.brokers, app.topic("outcomes"), 1, WAIT, SETTLE);
        List<TopicProbe.Rec> numbers = TopicProbe.read(app.brokers, app.topic("numbers"), 2, WAIT, SETTLE);

        assertThat(outcomes).hasSize(1);
        TopicProbe.Rec outcome = outcomes.get(0);
        assertThat(outcome.key()).isEqualTo("crm-7781");
        assertThat(outcome.value()).containsEntry("state", "completed").containsEntry("numbers_requested", 2)
                .containsEntry("numbers_ordered", 2).containsEntry("numbers_failed", 0);
        assertThat(outcome.map("source")).containsEntry("topic", app.topic("requests")).containsKeys("partition", "offset");
        assertThat(outcome.map("price")).containsEntry("nrc", "2.00").containsEntry("mrc", "1.00");
        assertThat(numbers).hasSize(2).allSatisfy(n -> {
            assertThat(n.value()).containsEntry("state", "ordered").containsEntry("request_id", "crm-7781")
                    .containsEntry("order_uuid", outcome.get("order_uuid"));
            assertThat(n.key()).isEqualTo(n.get("tn"));
        });
        assertThat(sandbox.purchaseCount(12029822917L)).isEqualTo(1);
        assertThat(sandbox.purchaseCount(12025550143L)).isEqualTo(1);
    }

    @Test
    void theSameRequestTwiceIsOrderedOnce() throws Exception {
        app = app().start();
        String request = "{\"request_id\": \"dup-1\", \"tns\": [\"+12012000005\"]}";
        TopicProbe.send(app.brokers, app.topic("requests"), "dup-1", request);
        TopicProbe.send(app.brokers, app.topic("requests"), "dup-1", request);
        TopicProbe.send(app.brokers, app.topic("requests"), "after", "{\"tns\": [\"+12012000006\"]}");

        List<TopicProbe.Rec> outcomes = TopicProbe.read(app.brokers, app.topic("outcomes"), 2, WAIT, SETTLE);
        assertThat(outcomes).extracting(TopicProbe.Rec::key).containsExactlyInAnyOrder("dup-1", "after");
        assertThat(sandbox.orderAttempts(12012000005L)).isEqualTo(1);
        assertThat(sandbox.purchaseCount(12012000005L)).isEqualTo(1);
    }

    @Test
    void badMessagesGoToTheDlqAndTheRestGoesOn() throws Exception {
        app = app().start();
        TopicProbe.send(app.brokers, app.topic("requests"), "bad-1", "{\"tns\": [\"+12012000007\"");
        TopicProbe.send(app.brokers, app.topic("requests"), "bad-2", "{\"tns\": [\"+12012000007\"], \"features\": [\"telepathy\"]}");
        TopicProbe.send(app.brokers, app.topic("requests"), "good", "{\"tns\": [\"+12012000007\"]}");

        List<TopicProbe.Rec> dlq = TopicProbe.read(app.brokers, app.topic("dlq"), 2, WAIT, SETTLE);
        assertThat(dlq).hasSize(2);
        // Records are worked on side by side (polls pipelined): their DLQ records come in any order.
        TopicProbe.Rec malformed = dlq.stream().filter(r -> "bad-1".equals(r.key())).findFirst().orElseThrow();
        TopicProbe.Rec unknownFeature = dlq.stream().filter(r -> "bad-2".equals(r.key())).findFirst().orElseThrow();
        assertThat((String) malformed.get("error")).contains("malformed JSON");
        assertThat(malformed.get("payload")).isEqualTo("{\"tns\": [\"+12012000007\"");
        assertThat(malformed.map("source")).containsEntry("topic", app.topic("requests")).containsKey("offset");
        assertThat((String) unknownFeature.get("error")).contains("field 'features'").contains("telepathy");
        List<TopicProbe.Rec> outcomes = TopicProbe.read(app.brokers, app.topic("outcomes"), 1, WAIT, SETTLE);
        assertThat(outcomes).singleElement().satisfies(o -> assertThat(o.value()).containsEntry("state", "completed"));
    }

    @Test
    void aRefusedTokenPausesIntakeInsteadOfFailingRequests() throws Exception {
        sandbox.setToken("the-real-token");
        app = app().start();
        TopicProbe.send(app.brokers, app.topic("requests"), "tok-1", "{\"request_id\": \"tok-1\", \"tns\": [\"+12012000008\"]}");

        IntakeControl intake = app.bean("intakeControl", IntakeControl.class);
        await().atMost(WAIT).until(intake::isPaused);
        assertThat(intake.reason()).contains("Opentact refused the API token").contains("401")
                .doesNotContain(TOKEN);
        assertThat(TopicProbe.read(app.brokers, app.topic("outcomes"), 1, Duration.ofSeconds(2), Duration.ZERO)).isEmpty();

        sandbox.setToken(TOKEN); // the operator fixes the token on the Opentact side
        List<TopicProbe.Rec> outcomes = TopicProbe.read(app.brokers, app.topic("outcomes"), 1, WAIT, SETTLE);
        assertThat(outcomes).singleElement().satisfies(o -> assertThat(o.value()).containsEntry("state", "completed"));
        assertThat(intake.isPaused()).isFalse();
        assertThat(sandbox.purchaseCount(12012000008L)).isEqualTo(1);
    }
}
