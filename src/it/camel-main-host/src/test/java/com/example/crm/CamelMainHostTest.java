package com.example.crm;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.ServiceLoader;

import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.ServiceStatus;
import org.apache.camel.main.Main;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.spi.SLF4JServiceProvider;

import dev.tnorders.opentact.intake.InvalidRequestException;
import dev.tnorders.opentact.ops.IntakeControl;
import dev.tnorders.opentact.sandbox.OpentactSandbox;
import dev.tnorders.opentact.standalone.EmbeddedKafkaBroker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The host application started as it runs in production (its application.properties, the
 * library's routes included by pattern), with only the deployment's settings given here: a real
 * Kafka broker and the Opentact sandbox over HTTP, both started by this test.
 */
class CamelMainHostTest {

    private static final String TOKEN = "host-token";
    private static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    static Path work;
    static EmbeddedKafkaBroker broker;
    static OpentactSandbox sandbox;
    static Main host;

    @BeforeAll
    static void startHost() throws Exception {
        broker = EmbeddedKafkaBroker.startTemporary();
        sandbox = OpentactSandbox.start(0, TOKEN);
        sandbox.setCompletionDelay(Duration.ofMillis(100));
        host = CrmHost.create();
        // What the deployment would give as environment variables.
        host.addOverrideProperty("camel.component.kafka.brokers", broker.bootstrapServers());
        host.addOverrideProperty("opentact.api.base-url", sandbox.baseUrl());
        host.addOverrideProperty("opentact.api.token", TOKEN);
        host.addOverrideProperty("opentact.inbox.dir", work.resolve("inbox").toString());
        host.addOverrideProperty("opentact.outbox.dir", work.resolve("outbox").toString());
        host.start();
        await().atMost(WAIT).until(() -> host.getCamelContext() != null
                && host.getCamelContext().getStatus() == ServiceStatus.Started);
    }

    @AfterAll
    static void stopAll() {
        if (host != null) {
            host.stop();
        }
        if (sandbox != null) {
            sandbox.close();
        }
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void theHostRunsTheLibraryRoutesWithItsOwnProperties() {
        assertThat(host.getCamelContext().getName()).isEqualTo("crm-host");
        assertThat(host.getCamelContext().getRoute("kafka-intake")).isNotNull();
        assertThat(host.getCamelContext().getRoute("order-lifecycle")).isNotNull();
        assertThat(host.getCamelContext().getRoute("crm-new-customer")).isNotNull();
        assertThat(host.getCamelContext().getRouteController().getRouteStatus("kafka-intake"))
                .isEqualTo(ServiceStatus.Started);
        // One logging backend: the host's (the library brings none).
        assertThat(ServiceLoader.load(SLF4JServiceProvider.class).stream().count()).isEqualTo(1);
    }

    @Test
    void aHostRouteOrdersANumberThroughTheKameletKafkaAndOpentact() throws Exception {
        ProducerTemplate producer = host.getCamelContext().createProducerTemplate();
        Exchange sent = producer.request("direct:crm-new-customer", e -> {
            e.getMessage().setHeader("customerId", "c-42");
            e.getMessage().setHeader("tn", "+12029822917");
        });
        assertThat(sent.getException()).isNull();
        assertThat(sent.getMessage().getHeader("OpentactRequestId")).isEqualTo("crm-c-42");

        List<Map<String, Object>> outcomes = readUntil("crm.opentact.outcomes", "crm-c-42");
        assertThat(outcomes).hasSize(1);
        assertThat(outcomes.get(0)).containsEntry("state", "completed").containsEntry("numbers_ordered", 1);
        List<Map<String, Object>> numbers = readUntil("crm.opentact.numbers", "+12029822917");
        assertThat(numbers).hasSize(1);
        assertThat(numbers.get(0)).containsEntry("state", "ordered").containsEntry("request_id", "crm-c-42")
                .containsEntry("order_uuid", outcomes.get(0).get("order_uuid"));
        assertThat(sandbox.purchaseCount(12029822917L)).isEqualTo(1);
    }

    @Test
    void theKameletRefusesABadRequestNamingTheFieldAndSendsNothing() {
        int ordersBefore = sandbox.orderCount();
        Exchange sent = host.getCamelContext().createProducerTemplate().send("kamelet:opentact-order-sink?requestIdPrefix=crm",
                e -> e.getMessage().setBody("{\"request_id\": \"crm-bad\", \"tns\": [\"+12012000003\"], \"features\": [\"telepathy\"]}"));
        Throwable error = sent.getException();
        while (error != null && !(error instanceof InvalidRequestException)) {
            error = error.getCause();
        }
        assertThat(error).isInstanceOf(InvalidRequestException.class).hasMessageContaining("features");
        assertThat(sandbox.orderCount()).isEqualTo(ordersBefore);
        assertThat(sandbox.purchaseCount(12012000003L)).isZero();
    }

    @Test
    void anOperatorCommandOnTheHostsControlTopicResumesIntake() throws Exception {
        IntakeControl intake = host.getCamelContext().getRegistry().lookupByNameAndType("intakeControl", IntakeControl.class);
        intake.pauseFor("not enough account balance (host test)", 3_600_000);
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(p)) {
            // The control route starts reading at the latest offset once it has its partitions: the
            // command is sent again (bounded) until the host has acted on one.
            await().atMost(WAIT).pollInterval(Duration.ofSeconds(2)).until(() -> {
                producer.send(new ProducerRecord<>("crm.opentact.control", "operator",
                        "{\"command\": \"resume-intake\", \"reason\": \"host test\"}")).get();
                return !intake.isPaused();
            });
        }
        assertThat(host.getCamelContext().getRouteController().getRouteStatus("operator-control"))
                .isEqualTo(ServiceStatus.Started);
    }

    /** Records of a topic with this key (HostTopics#read), as a client of the test's plain broker. */
    private static List<Map<String, Object>> readUntil(String topic, String key) throws Exception {
        Properties client = new Properties();
        client.put("bootstrap.servers", broker.bootstrapServers());
        return HostTopics.read(client, topic, key);
    }
}
