package com.example.desk;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;

import jakarta.inject.Inject;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.ServiceStatus;
import org.apache.camel.component.kafka.KafkaComponent;
import org.apache.camel.component.kafka.KafkaConfiguration;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import dev.tnorders.opentact.config.HostSetup;
import dev.tnorders.opentact.control.IntakeControl;
import dev.tnorders.opentact.kafka.KafkaClientSettings;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The Quarkus host started by @QuarkusTest (JVM mode) with its own application.properties (the
 * library's beans and routes included by pattern), and the deployment's settings as real environment
 * variables of this JVM, set by the build (surefire's environmentVariables in pom.xml):
 * CAMEL_COMPONENT_KAFKA_*, OPENTACT_*. Nothing is passed as configuration; DeskDeployment starts a
 * real Kafka broker and the Opentact sandbox over HTTP at the addresses those variables name.
 */
@QuarkusTest
@WithTestResource(DeskDeployment.class)
class QuarkusHostTest {

    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final Duration SETTLE = Duration.ofSeconds(2);
    private static final ObjectMapper MAPPER = new ObjectMapper();

    @Inject
    CamelContext camel;

    @Test
    void theHostRunsTheLibraryRoutesOnCamelQuarkusWithItsOwnPropertiesAndLogging() {
        assertThat(camel.getVersion()).startsWith("4.17.");
        assertThat(camel.getName()).isEqualTo("desk-camel");
        assertThat(camel.getStatus()).isEqualTo(ServiceStatus.Started);
        assertThat(camel.getRouteController().getRouteStatus("kafka-intake")).isEqualTo(ServiceStatus.Started);
        assertThat(camel.getRoute("order-lifecycle")).isNotNull();
        assertThat(camel.getRoute("desk-new-line")).isNotNull();
        // Quarkus's logging (JBoss LogManager): the library brings no SLF4J binding of its own.
        assertThat(LoggerFactory.getILoggerFactory().getClass().getName()).startsWith("org.slf4j.impl.Slf4jLoggerFactory");
    }

    @Test
    void theDeploymentsEnvironmentVariablesReachTheKafkaComponentAndTheBundle() {
        KafkaConfiguration kafka = camel.getComponent("kafka", KafkaComponent.class).getConfiguration();
        assertThat(kafka.getBrokers()).isEqualTo(DeskDeployment.BROKERS);
        assertThat(kafka.getSecurityProtocol()).isEqualTo("PLAINTEXT");
        assertThat(camel.getRegistry().lookupByNameAndType("kafkaClientSettings", KafkaClientSettings.class)
                .clientProperties(null)).containsEntry("bootstrap.servers", DeskDeployment.BROKERS)
                .containsEntry("security.protocol", "PLAINTEXT");
        assertThat(camel.resolvePropertyPlaceholders("{{setting:opentact.inbox.dir}}"))
                .isEqualTo(DeskDeployment.INBOX.toString());
    }

    @Test
    void theBundlesBeansAreBuiltOnceInTheHostsContext() {
        HostSetup setup = camel.getRegistry().lookupByNameAndType("opentactHostSetup", HostSetup.class);
        assertThat(setup.beansBuilt()).as("times beans.camel.yaml was built in this Camel context").isEqualTo(1);
    }

    @Test
    void aRequestOnTheHostsRequestsTopicIsOrderedThroughOpentact() throws Exception {
        send("desk.opentact.requests", "desk-kafka-1", "{\"request_id\": \"desk-kafka-1\", \"tns\": [\"+12012000001\"]}");

        List<Map<String, Object>> outcomes = read("desk.opentact.outcomes", "desk-kafka-1");
        assertThat(outcomes).hasSize(1);
        assertThat(outcomes.get(0)).containsEntry("state", "completed").containsEntry("numbers_ordered", 1);
        List<Map<String, Object>> numbers = read("desk.opentact.numbers", "+12012000001");
        assertThat(numbers).hasSize(1);
        assertThat(numbers.get(0)).containsEntry("state", "ordered").containsEntry("request_id", "desk-kafka-1");
        assertThat(DeskDeployment.sandbox.purchaseCount(12012000001L)).isEqualTo(1);
        // The host's own auth form (application.properties) reached Opentact.
        assertThat(DeskDeployment.sandbox.authFormsSeen()).containsKey("bearer").doesNotContainKey("x-auth-token");
    }

    @Test
    void aHostRouteOrdersThroughTheKameletWithoutKnowingTheTopics() throws Exception {
        Exchange sent = camel.createProducerTemplate().request("direct:desk-new-line",
                e -> e.getMessage().setHeader("tn", "+12029822917"));
        assertThat(sent.getException()).isNull();
        String requestId = sent.getMessage().getHeader("OpentactRequestId", String.class);
        assertThat(requestId).matches("desk-[0-9a-f-]{36}");

        List<Map<String, Object>> outcomes = read("desk.opentact.outcomes", requestId);
        assertThat(outcomes).hasSize(1);
        assertThat(outcomes.get(0)).containsEntry("state", "completed");
        List<Map<String, Object>> numbers = read("desk.opentact.numbers", "+12029822917");
        assertThat(numbers).hasSize(1);
        assertThat(numbers.get(0)).containsEntry("state", "ordered").containsEntry("request_id", requestId);
        assertThat(DeskDeployment.sandbox.purchaseCount(12029822917L)).isEqualTo(1);
    }

    @Test
    void aCsvFileInTheHostsInboxIsOrderedAndAnsweredInItsOutbox() throws Exception {
        Path inbox = DeskDeployment.INBOX;
        Files.createDirectories(inbox);
        Path part = inbox.resolve(".desk-lines.csv.part");
        Files.writeString(part, "tn,features\n+1 202 555 0143,voice;sms\n", StandardCharsets.UTF_8);
        Files.move(part, inbox.resolve("desk-lines.csv"));

        Path results = DeskDeployment.OUTBOX.resolve("desk-lines.csv.results.csv");
        await().atMost(WAIT).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            assertThat(results).exists();
            assertThat(Files.readString(results)).contains("ordered");
        });
        assertThat(DeskDeployment.sandbox.purchaseCount(12025550143L)).isEqualTo(1);
        // Moved to .done/ (with a time stamp in its name) once every row was handed on.
        await().atMost(WAIT).untilAsserted(() -> {
            try (var done = Files.list(inbox.resolve(".done"))) {
                assertThat(done.map(f -> f.getFileName().toString())).anyMatch(n -> n.startsWith("desk-lines."));
            }
        });
    }

    @Test
    void anOperatorCommandOnTheHostsControlTopicResumesIntake() throws Exception {
        IntakeControl intake = camel.getRegistry().lookupByNameAndType("intakeControl", IntakeControl.class);
        intake.pauseFor("not enough account balance (host test)", 3_600_000);
        // The control route starts reading at the latest offset once it has its partitions: the
        // command is sent again (bounded) until the host has acted on one.
        await().atMost(WAIT).pollInterval(Duration.ofSeconds(2)).until(() -> {
            send("desk.opentact.control", "operator", "{\"command\": \"resume-intake\", \"reason\": \"host test\"}");
            return !intake.isPaused();
        });
        assertThat(camel.getRouteController().getRouteStatus("operator-control")).isEqualTo(ServiceStatus.Started);
    }

    @Test
    void theBundlesHealthChecksAndMetersAreQuarkusOwn() throws Exception {
        int port = ConfigProvider.getConfig().getValue("quarkus.http.test-port", Integer.class);
        HttpClient http = HttpClient.newHttpClient();
        await().atMost(WAIT).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
            HttpResponse<String> ready = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/q/health/ready")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(ready.body()).contains("opentact-intake", "opentact-api", "opentact-kafka");
            // Every readiness check up, the bundle's (Opentact and Kafka reached, intake running) included.
            assertThat(ready.statusCode()).as(ready.body()).isEqualTo(200);
            assertThat(MAPPER.readTree(ready.body()).path("status").asText()).as(ready.body()).isEqualTo("UP");
        });
        HttpResponse<String> metrics = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/q/metrics")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(metrics.statusCode()).isEqualTo(200);
        assertThat(metrics.body()).contains("opentact_");
    }

    private static void send(String topic, String key, String value) throws Exception {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, DeskDeployment.BROKERS);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(p)) {
            producer.send(new ProducerRecord<>(topic, key, value)).get();
        }
    }

    /**
     * Records of a topic with this key, read from the start (read_committed): waits for the first,
     * then reads on a little longer so that a duplicate would be seen too.
     */
    private static List<Map<String, Object>> read(String topic, String key) throws Exception {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, DeskDeployment.BROKERS);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "probe-" + UUID.randomUUID());
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        List<Map<String, Object>> found = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p)) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + WAIT.toNanos();
            long settleUntil = Long.MAX_VALUE;
            while (System.nanoTime() < Math.min(deadline, settleUntil)) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                    if (key.equals(r.key())) {
                        found.add(MAPPER.readValue(r.value(), new TypeReference<Map<String, Object>>() { }));
                    }
                }
                if (!found.isEmpty() && settleUntil == Long.MAX_VALUE) {
                    settleUntil = System.nanoTime() + SETTLE.toNanos();
                }
            }
        }
        return found;
    }
}
