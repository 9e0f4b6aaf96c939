package com.example.desk;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import jakarta.inject.Inject;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import dev.tnorders.opentact.hosttest.HostChecks;
import dev.tnorders.opentact.hosttest.HostDeployment;
import dev.tnorders.opentact.hosttest.HostTopics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The Quarkus host started by @QuarkusTest (JVM mode) with its own application.properties (the
 * library's beans and routes included by pattern), and the deployment's settings as real environment
 * variables of this JVM, set by the build (surefire's environmentVariables in pom.xml):
 * CAMEL_COMPONENT_KAFKA_*, OPENTACT_*. Nothing is passed as configuration; DeskDeployment starts a
 * real Kafka broker and the Opentact sandbox over HTTP at the addresses those variables name. The
 * deployment, the topics and the checks every host makes come from the library's host test support
 * (dev.tnorders.opentact.hosttest).
 */
@QuarkusTest
@WithTestResource(DeskDeployment.class)
class QuarkusHostTest {

    private static final Duration WAIT = HostDeployment.WAIT;
    private static final ObjectMapper MAPPER = new ObjectMapper();

    @Inject
    CamelContext camel;

    @Test
    void theHostRunsTheLibraryRoutesOnCamelQuarkusWithItsOwnPropertiesAndLogging() {
        assertThat(camel.getVersion()).startsWith("4.17.");
        HostChecks.runsTheLibraryRoutes(camel, "desk-camel", "desk-new-line");
        // Quarkus's logging (JBoss LogManager): the library brings no SLF4J binding of its own.
        assertThat(LoggerFactory.getILoggerFactory().getClass().getName()).startsWith("org.slf4j.impl.Slf4jLoggerFactory");
    }

    @Test
    void theDeploymentsEnvironmentVariablesReachTheKafkaComponentAndTheBundle() {
        HostChecks.deploymentSettingsReached(camel, deployment().brokers());
    }

    @Test
    void theBundlesBeansAreBuiltOnceInTheHostsContext() {
        HostChecks.beansBuiltOnce(camel);
    }

    @Test
    void aRequestOnTheHostsRequestsTopicIsOrderedThroughOpentact() throws Exception {
        HostTopics.send(deployment().client(), "desk.opentact.requests", "desk-kafka-1",
                "{\"request_id\": \"desk-kafka-1\", \"tns\": [\"+12012000001\"]}");
        HostChecks.orderedOnce(deployment().client(), "desk.opentact", "desk-kafka-1", "+12012000001", deployment().sandbox());
        // The host's own auth form (application.properties) reached Opentact.
        assertThat(deployment().sandbox().authFormsSeen()).containsKey("bearer").doesNotContainKey("x-auth-token");
    }

    @Test
    void aHostRouteOrdersThroughTheKameletWithoutKnowingTheTopics() throws Exception {
        Exchange sent = camel.createProducerTemplate().request("direct:desk-new-line",
                e -> e.getMessage().setHeader("tn", "+12029822917"));
        assertThat(sent.getException()).isNull();
        String requestId = sent.getMessage().getHeader("OpentactRequestId", String.class);
        assertThat(requestId).matches("desk-[0-9a-f-]{36}");
        HostChecks.orderedOnce(deployment().client(), "desk.opentact", requestId, "+12029822917", deployment().sandbox());
    }

    @Test
    void aCsvFileInTheHostsInboxIsOrderedAndAnsweredInItsOutbox() throws Exception {
        Path inbox = Path.of(HostDeployment.env("OPENTACT_INBOX_DIR"));
        Files.createDirectories(inbox);
        Path part = inbox.resolve(".desk-lines.csv.part");
        Files.writeString(part, "tn,features\n+1 202 555 0143,voice;sms\n", StandardCharsets.UTF_8);
        Files.move(part, inbox.resolve("desk-lines.csv"));

        Path results = Path.of(HostDeployment.env("OPENTACT_OUTBOX_DIR")).resolve("desk-lines.csv.results.csv");
        await().atMost(WAIT).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            assertThat(results).exists();
            assertThat(Files.readString(results)).contains("ordered");
        });
        assertThat(deployment().sandbox().purchaseCount(12025550143L)).isEqualTo(1);
        // Moved to .done/ (with a time stamp in its name) once every row was handed on.
        await().atMost(WAIT).untilAsserted(() -> {
            try (var done = Files.list(inbox.resolve(".done"))) {
                assertThat(done.map(f -> f.getFileName().toString())).anyMatch(n -> n.startsWith("desk-lines."));
            }
        });
    }

    @Test
    void anOperatorCommandOnTheHostsControlTopicResumesIntake() {
        HostChecks.operatorCommandResumesIntake(camel, deployment().client(), "desk.opentact.control");
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

    private static HostDeployment deployment() {
        return DeskDeployment.deployment;
    }
}
