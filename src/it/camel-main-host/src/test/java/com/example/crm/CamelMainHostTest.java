package com.example.crm;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.ServiceLoader;

import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.ServiceStatus;
import org.apache.camel.component.kafka.KafkaComponent;
import org.apache.camel.component.kafka.KafkaConfiguration;
import org.apache.camel.main.Main;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.spi.SLF4JServiceProvider;

import dev.tnorders.opentact.config.HostSetup;
import dev.tnorders.opentact.control.IntakeControl;
import dev.tnorders.opentact.intake.InvalidRequestException;
import dev.tnorders.opentact.kafka.KafkaClientSettings;
import dev.tnorders.opentact.sandbox.OpentactSandbox;
import dev.tnorders.opentact.standalone.EmbeddedKafkaBroker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The host application started as it runs in production: its application.properties (the snippet
 * of the library's docs/embedding.md), and the deployment's settings as real environment variables
 * of this JVM, set by the build (surefire's environmentVariables in pom.xml): CAMEL_COMPONENT_KAFKA_*,
 * OPENTACT_*. Nothing is passed as a property. This test starts a real Kafka broker and the Opentact
 * sandbox over HTTP at the addresses those variables name.
 */
class CamelMainHostTest {

    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final String BROKERS = env("CAMEL_COMPONENT_KAFKA_BROKERS");
    private static final String BASE_URL = env("OPENTACT_API_BASE_URL");
    private static final String TOKEN = env("OPENTACT_API_TOKEN");

    static EmbeddedKafkaBroker broker;
    static OpentactSandbox sandbox;
    static Main host;

    @BeforeAll
    static void startHost() throws Exception {
        broker = EmbeddedKafkaBroker.startTemporary(URI.create("kafka://" + BROKERS).getPort());
        sandbox = OpentactSandbox.start(URI.create(BASE_URL).getPort(), TOKEN);
        sandbox.setCompletionDelay(Duration.ofMillis(100));
        host = CrmHost.create();
        host.start();
        await().atMost(WAIT).until(() -> host.getCamelContext() != null
                && host.getCamelContext().getStatus() == ServiceStatus.Started);
    }

    /** A deployment setting from this JVM's environment (pom.xml sets them for the tests). */
    private static String env(String name) {
        String value = System.getenv(name);
        if (value == null || value.isBlank()) {
            throw new IllegalStateException(name + " is not in the environment: run the tests with Maven (pom.xml sets it)");
        }
        return value;
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
    void theDeploymentsEnvironmentVariablesReachTheKafkaComponentAndTheBundle() {
        assertThat(host.getOverrideProperties()).isNullOrEmpty();
        // Camel Main 4.18 applies no CAMEL_COMPONENT_* variable to a component itself: the bundle's
        // opentactHostSetup offers them as properties, and Camel Main configures the component with them.
        KafkaConfiguration kafka = host.getCamelContext().getComponent("kafka", KafkaComponent.class).getConfiguration();
        assertThat(kafka.getBrokers()).isEqualTo(BROKERS);
        assertThat(kafka.getSecurityProtocol()).isEqualTo("PLAINTEXT");
        // The bundle's own Kafka clients (journal, requests consumers, health check) read the same.
        assertThat(host.getCamelContext().getRegistry().lookupByNameAndType("kafkaClientSettings", KafkaClientSettings.class)
                .clientProperties(null)).containsEntry("bootstrap.servers", BROKERS)
                .containsEntry("security.protocol", "PLAINTEXT");
        // OPENTACT_* reach the {{setting:...}} keys: the CSV intake watches the deployment's inbox.
        assertThat(host.getCamelContext().resolvePropertyPlaceholders("{{setting:opentact.inbox.dir}}"))
                .isEqualTo(System.getenv("OPENTACT_INBOX_DIR"));
    }

    @Test
    void theBundlesBeansAreBuiltOnceInTheHostsContext() {
        HostSetup setup = host.getCamelContext().getRegistry().lookupByNameAndType("opentactHostSetup", HostSetup.class);
        assertThat(setup.beansBuilt()).as("times beans.camel.yaml was built in this Camel context").isEqualTo(1);
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
        // The host's own outcome consumer (crm-outcomes, read_committed) got it too.
        CrmOutcomes crm = host.getCamelContext().getRegistry().lookupByNameAndType("crmOutcomes", CrmOutcomes.class);
        await().atMost(WAIT).until(() -> crm.of("crm-c-42") != null);
        assertThat(crm.of("crm-c-42").path("state").asText()).isEqualTo("completed");
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
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, BROKERS);
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
