package dev.tnorders.opentact.it.running;

import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.apache.camel.ServiceStatus;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import dev.tnorders.opentact.control.IntakeControl;
import dev.tnorders.opentact.it.LogCapture;
import dev.tnorders.opentact.it.SandboxAndApp;
import dev.tnorders.opentact.it.TopicProbe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The operator's "resume now": a 402 pauses intake for a long time; a request sent meanwhile waits;
 * the account is topped up and {@code {"command":"resume-intake"}} on the control topic resumes
 * intake at once, the waiting request is ordered, readiness goes UP. A malformed command goes to
 * the DLQ naming the field, and the route goes on.
 */
class OperatorControlIT extends SandboxAndApp {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    /** All commands of a test share one key: one partition, read in the order sent. */
    private static final String KEY = "operator";

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.managementPort + path))
                .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> intakeCheck() throws Exception {
        Map<String, Object> json = MAPPER.readValue(get("/observe/health/ready?exposureLevel=full").body(), Map.class);
        return ((List<Map<String, Object>>) json.get("checks")).stream()
                .filter(c -> "opentact-intake".equals(c.get("name"))).findFirst().orElseThrow();
    }

    private static KafkaConsumer<String, String> tail(String brokers, String topic) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, brokers);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "probe-" + UUID.randomUUID());
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p);
        consumer.subscribe(List.of(topic));
        return consumer;
    }

    @Test
    @Tag("camel-micrometer-prometheus") // reads the Prometheus scrape: left out of -Pcamel-4.22 (pom.xml)
    void resumeIntakeEndsABalancePauseAtOnceAndABadCommandGoesToTheDlq() throws Exception {
        sandbox.setBalance(new BigDecimal("0.50"));
        // Without the command this pause would outlast the test by far.
        app = app().with("opentact.intake.balance-pause-ms", "3600000").start();
        String control = app.topic("control");

        // 1. A 402: the request is rejected in Opentact's words and intake pauses.
        TopicProbe.send(app.brokers, app.topic("requests"), "res-1", "{\"request_id\":\"res-1\",\"tns\":[\"+12012030001\"]}");
        List<TopicProbe.Rec> first = TopicProbe.read(app.brokers, app.topic("outcomes"), 1, WAIT, Duration.ZERO);
        assertThat(first).hasSize(1);
        assertThat(first.get(0).value()).containsEntry("request_id", "res-1").containsEntry("state", "rejected");
        assertThat((String) first.get(0).get("reason")).contains("Not enough account balance");
        IntakeControl intake = app.bean("intakeControl", IntakeControl.class);
        assertThat(intake.isPaused()).isTrue();
        await().atMost(WAIT).untilAsserted(() -> assertThat(intakeCheck()).containsEntry("status", "DOWN"));
        assertThat(get("/observe/health/ready").statusCode()).isEqualTo(503);

        // 2. The account is topped up, but intake stays paused: the next request gets no outcome.
        sandbox.setBalance(new BigDecimal("100.00"));
        TopicProbe.send(app.brokers, app.topic("requests"), "res-2", "{\"request_id\":\"res-2\",\"tns\":[\"+12012030002\"]}");
        assertThat(TopicProbe.read(app.brokers, app.topic("outcomes"), 2, Duration.ofSeconds(6), Duration.ZERO))
                .as("no outcome while paused").hasSize(1);
        assertThat(sandbox.orderAttempts(12012030002L)).isZero();
        assertThat(intake.isPaused()).isTrue();

        try (LogCapture routeLog = new LogCapture("operator-control");
             KafkaConsumer<String, String> dlq = tail(app.brokers, app.topic("dlq"))) {
            // 3. A malformed command: logged naming the field, on the DLQ, intake still paused. The
            // control consumer starts at the latest offset once it has its partitions, so the command
            // is sent again (bounded) until the app has seen one: that also shows it is listening.
            List<ConsumerRecord<String, String>> dead = new ArrayList<>();
            String bad = "{\"command\":\"resume-everything\"}";
            await().atMost(WAIT).pollInterval(Duration.ofSeconds(2)).until(() -> {
                TopicProbe.send(app.brokers, control, KEY, bad);
                dlq.poll(Duration.ofMillis(1500)).forEach(dead::add);
                return !dead.isEmpty();
            });
            Map<String, Object> dl = MAPPER.readValue(dead.get(0).value(), new TypeReference<>() { });
            assertThat(dl).containsEntry("payload", bad);
            assertThat((String) dl.get("error")).contains("field 'command'").contains("unknown command 'resume-everything'")
                    .contains("resume-intake");
            assertThat(dl.get("source")).asString().contains(control);
            assertThat(routeLog.messages()).anySatisfy(m -> assertThat(m).startsWith("Rejected operator command " + control)
                    .contains("field 'command'"));
            assertThat(intake.isPaused()).as("a bad command changes nothing").isTrue();
            assertThat(app.context().getRouteController().getRouteStatus("operator-control")).isEqualTo(ServiceStatus.Started);

            // 4. resume-intake: the waiting request is ordered at once, readiness goes UP.
            TopicProbe.send(app.brokers, control, KEY, "{\"command\":\"resume-intake\",\"reason\":\"account topped up\"}");
            List<TopicProbe.Rec> outcomes = TopicProbe.read(app.brokers, app.topic("outcomes"), 2, WAIT, SETTLE);
            assertThat(outcomes).hasSize(2);
            assertThat(outcomes.get(1).value()).containsEntry("request_id", "res-2").containsEntry("state", "completed");
            List<TopicProbe.Rec> numbers = TopicProbe.read(app.brokers, app.topic("numbers"), 2, WAIT, Duration.ZERO);
            assertThat(numbers).filteredOn(n -> "+12012030002".equals(n.key()))
                    .singleElement().satisfies(n -> assertThat(n.value()).containsEntry("state", "ordered"));
            assertThat(sandbox.purchaseCount(12012030002L)).isEqualTo(1);
            assertThat(sandbox.purchaseCount(12012030001L)).isZero();
            assertThat(routeLog.messages()).anySatisfy(m -> assertThat(m)
                    .startsWith("Intake resumed by an operator command resume-intake (" + control)
                    .contains("reason: account topped up").contains("it was paused: not enough account balance"));
            await().atMost(WAIT).untilAsserted(() -> {
                assertThat(intakeCheck()).containsEntry("status", "UP");
                assertThat(get("/observe/health/ready").statusCode()).isEqualTo(200);
            });

            // Counted by command; every invalid one (the bad command may have been seen more than
            // once above) reached the DLQ, and nothing else did.
            String scrape = get("/observe/metrics").body();
            assertThat(scrape).containsPattern("(?m)^opentact_operator_commands_total\\{command=\"resume-intake\"\\} 1\\.0$");
            Matcher invalid = Pattern
                    .compile("(?m)^opentact_operator_commands_total\\{command=\"invalid\"\\} (\\d+)\\.0$").matcher(scrape);
            assertThat(invalid.find()).isTrue();
            int invalidCount = Integer.parseInt(invalid.group(1));
            assertThat(invalidCount).isPositive();
            await().atMost(WAIT).until(() -> {
                dlq.poll(Duration.ofMillis(200)).forEach(dead::add);
                return dead.size() >= invalidCount;
            });
            assertThat(dead).hasSize(invalidCount).allSatisfy(r -> assertThat(r.value()).contains("resume-everything"));

            // The control consumer is in a group of its own (so every instance sees every command)
            // and commits nothing (so no later start picks up an old command).
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, app.brokers))) {
                List<String> groups = admin.listConsumerGroups().all().get().stream().map(g -> g.groupId())
                        .filter(g -> g.startsWith(app.prefix + "orders-control-")).toList();
                assertThat(groups).singleElement().asString()
                        .matches(Pattern.quote(app.prefix) + "orders-control-[0-9a-f-]{36}");
                assertThat(admin.listConsumerGroupOffsets(groups.get(0)).partitionsToOffsetAndMetadata().get()).isEmpty();
            }
        }
    }

    @Test
    void resumeIntakeEndsATokenPauseAndAStillRefusedTokenPausesItAgain() throws Exception {
        sandbox.setToken("the-real-token");
        // The auth probe would resume by itself once the token works: here only the command can.
        app = app().with("opentact.api.auth-probe-interval-ms", "3600000").start();
        String control = app.topic("control");
        TopicProbe.send(app.brokers, app.topic("requests"), "tok-1", "{\"request_id\":\"tok-1\",\"tns\":[\"+12012030003\"]}");
        IntakeControl intake = app.bean("intakeControl", IntakeControl.class);
        await().atMost(WAIT).until(intake::isPausedForToken);
        int refusals = sandbox.answered(401);

        try (LogCapture routeLog = new LogCapture("operator-control")) {
            // Still refused: the command resumes, the request is tried again, and intake pauses again.
            await().atMost(WAIT).pollInterval(Duration.ofSeconds(2)).until(() -> {
                TopicProbe.send(app.brokers, control, KEY, "{\"command\":\"resume-intake\"}");
                return routeLog.messages().stream().anyMatch(m -> m.startsWith("Intake resumed by an operator command"));
            });
            assertThat(routeLog.messages()).filteredOn(m -> m.startsWith("Intake resumed")).first().asString()
                    .contains("paused for the token (if Opentact still refuses it, the next call pauses intake again)")
                    .contains("Opentact refused the API token").doesNotContain(TOKEN);
            await().atMost(WAIT).until(() -> sandbox.answered(401) > refusals && intake.isPausedForToken());
            assertThat(TopicProbe.read(app.brokers, app.topic("outcomes"), 1, Duration.ofSeconds(2), Duration.ZERO))
                    .as("a refused token fails no request").isEmpty();

            // The token is fixed on the Opentact side: the next command resumes for good.
            sandbox.setToken(TOKEN);
            TopicProbe.send(app.brokers, control, KEY, "{\"command\":\"resume-intake\",\"reason\":\"token fixed\"}");
            List<TopicProbe.Rec> outcomes = TopicProbe.read(app.brokers, app.topic("outcomes"), 1, WAIT, SETTLE);
            assertThat(outcomes).singleElement().satisfies(o -> assertThat(o.value())
                    .containsEntry("request_id", "tok-1").containsEntry("state", "completed"));
            assertThat(intake.isPaused()).isFalse();
            assertThat(sandbox.purchaseCount(12012030003L)).isEqualTo(1);
        }
    }
}
