package com.example.shop;

import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.ServiceLoader;

import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.ServiceStatus;
import org.apache.camel.component.kafka.KafkaComponent;
import org.apache.camel.component.kafka.KafkaConfiguration;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.slf4j.spi.SLF4JServiceProvider;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.annotation.DirtiesContext;

import dev.tnorders.opentact.config.HostSetup;
import dev.tnorders.opentact.control.IntakeControl;
import dev.tnorders.opentact.kafka.KafkaClientSettings;
import dev.tnorders.opentact.sandbox.OpentactSandbox;
import dev.tnorders.opentact.standalone.EmbeddedKafkaBroker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The Spring Boot host started by @SpringBootTest with its own application.properties (the
 * library's beans and routes included by pattern), and the deployment's settings as real
 * environment variables of this JVM, set by the build (surefire's environmentVariables in pom.xml):
 * CAMEL_COMPONENT_KAFKA_*, OPENTACT_*. Nothing is passed as a property. This test starts a real
 * Kafka broker and the Opentact sandbox over HTTP at the addresses those variables name, before the
 * application starts.
 */
@SpringBootTest(classes = ShopApplication.class)
@DirtiesContext // the application stops after this class, before the broker and sandbox (JVM exit)
class SpringBootHostTest {

    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final String BROKERS = env("CAMEL_COMPONENT_KAFKA_BROKERS");
    private static final String BASE_URL = env("OPENTACT_API_BASE_URL");
    private static final String TOKEN = env("OPENTACT_API_TOKEN");

    static EmbeddedKafkaBroker broker;
    static OpentactSandbox sandbox;

    @Autowired
    CamelContext camel;

    /** The deployment: the broker and the sandbox, at the environment's addresses, before the application. */
    @BeforeAll
    static void deployment() throws IOException {
        broker = EmbeddedKafkaBroker.startTemporary(URI.create("kafka://" + BROKERS).getPort());
        sandbox = OpentactSandbox.start(URI.create(BASE_URL).getPort(), TOKEN);
        // Closed at JVM exit: @DirtiesContext closes the application first, after this class.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            sandbox.close();
            broker.close();
        }, "host-test-deployment-shutdown"));
        sandbox.setCompletionDelay(Duration.ofMillis(100));
    }

    /** A deployment setting from this JVM's environment (pom.xml sets them for the tests). */
    private static String env(String name) {
        String value = System.getenv(name);
        if (value == null || value.isBlank()) {
            throw new IllegalStateException(name + " is not in the environment: run the tests with Maven (pom.xml sets it)");
        }
        return value;
    }

    @Test
    void theDeploymentsEnvironmentVariablesReachTheKafkaComponentAndTheBundle() {
        KafkaConfiguration kafka = camel.getComponent("kafka", KafkaComponent.class).getConfiguration();
        assertThat(kafka.getBrokers()).isEqualTo(BROKERS);
        assertThat(kafka.getSecurityProtocol()).isEqualTo("PLAINTEXT");
        assertThat(camel.getRegistry().lookupByNameAndType("kafkaClientSettings", KafkaClientSettings.class)
                .clientProperties(null)).containsEntry("bootstrap.servers", BROKERS)
                .containsEntry("security.protocol", "PLAINTEXT");
        assertThat(camel.resolvePropertyPlaceholders("{{setting:opentact.inbox.dir}}"))
                .isEqualTo(System.getenv("OPENTACT_INBOX_DIR"));
    }

    @Test
    void theBundlesBeansAreBuiltOnceInTheHostsContext() {
        HostSetup setup = camel.getRegistry().lookupByNameAndType("opentactHostSetup", HostSetup.class);
        assertThat(setup.beansBuilt()).as("times beans.camel.yaml was built in this Camel context").isEqualTo(1);
    }

    @Test
    void theHostRunsTheLibraryRoutesWithItsOwnPropertiesAndOneLoggingBackend() {
        assertThat(camel.getName()).isEqualTo("shop-camel");
        assertThat(camel.getStatus()).isEqualTo(ServiceStatus.Started);
        assertThat(camel.getRouteController().getRouteStatus("kafka-intake")).isEqualTo(ServiceStatus.Started);
        assertThat(camel.getRoute("order-lifecycle")).isNotNull();
        assertThat(camel.getRoute("shop-basket-paid")).isNotNull();
        assertThat(ServiceLoader.load(SLF4JServiceProvider.class).stream().count()).isEqualTo(1);
        assertThat(LoggerFactory.getILoggerFactory().getClass().getName()).startsWith("ch.qos.logback");
    }

    @Test
    void aRequestOnTheHostsRequestsTopicIsOrderedThroughOpentact() throws Exception {
        send("shop.opentact.requests", "shop-kafka-1", "{\"request_id\": \"shop-kafka-1\", \"tns\": [\"+12012000001\"]}");

        List<Map<String, Object>> outcomes = read("shop.opentact.outcomes", "shop-kafka-1");
        assertThat(outcomes).hasSize(1);
        assertThat(outcomes.get(0)).containsEntry("state", "completed").containsEntry("numbers_ordered", 1);
        List<Map<String, Object>> numbers = read("shop.opentact.numbers", "+12012000001");
        assertThat(numbers).hasSize(1);
        assertThat(numbers.get(0)).containsEntry("state", "ordered").containsEntry("request_id", "shop-kafka-1");
        assertThat(sandbox.purchaseCount(12012000001L)).isEqualTo(1);
        // The host's own auth form (application.properties) reached Opentact.
        assertThat(sandbox.authFormsSeen()).containsKey("bearer").doesNotContainKey("x-auth-token");
    }

    @Test
    void aHostRouteOrdersThroughTheKameletWithoutKnowingTheTopics() throws Exception {
        Exchange sent = camel.createProducerTemplate().request("direct:shop-basket-paid",
                e -> e.getMessage().setHeader("tn", "+12029822917"));
        assertThat(sent.getException()).isNull();
        String requestId = sent.getMessage().getHeader("OpentactRequestId", String.class);
        assertThat(requestId).matches("shop-[0-9a-f-]{36}");

        List<Map<String, Object>> outcomes = read("shop.opentact.outcomes", requestId);
        assertThat(outcomes).hasSize(1);
        assertThat(outcomes.get(0)).containsEntry("state", "completed");
        List<Map<String, Object>> numbers = read("shop.opentact.numbers", "+12029822917");
        assertThat(numbers).hasSize(1);
        assertThat(numbers.get(0)).containsEntry("state", "ordered").containsEntry("request_id", requestId);
        assertThat(sandbox.purchaseCount(12029822917L)).isEqualTo(1);
    }

    @Test
    void anOperatorCommandOnTheHostsControlTopicResumesIntake() throws Exception {
        IntakeControl intake = camel.getRegistry().lookupByNameAndType("intakeControl", IntakeControl.class);
        intake.pauseFor("not enough account balance (host test)", 3_600_000);
        // The control route starts reading at the latest offset once it has its partitions: the
        // command is sent again (bounded) until the host has acted on one.
        await().atMost(WAIT).pollInterval(Duration.ofSeconds(2)).until(() -> {
            send("shop.opentact.control", "operator", "{\"command\": \"resume-intake\", \"reason\": \"host test\"}");
            return !intake.isPaused();
        });
        assertThat(camel.getRouteController().getRouteStatus("operator-control")).isEqualTo(ServiceStatus.Started);
    }

    private static void send(String topic, String key, String value) throws Exception {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, BROKERS);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(p)) {
            producer.send(new ProducerRecord<>(topic, key, value)).get();
        }
    }

    /** Records of a topic with this key (HostTopics#read), as a client of the test's plain broker. */
    private static List<Map<String, Object>> read(String topic, String key) throws Exception {
        Properties client = new Properties();
        client.put("bootstrap.servers", broker.bootstrapServers());
        return HostTopics.read(client, topic, key);
    }
}
