package dev.tnorders.opentact.it.secured;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.tnorders.opentact.it.AppProcess;
import dev.tnorders.opentact.it.LogCapture;
import dev.tnorders.opentact.it.RunningApp;
import dev.tnorders.opentact.it.SandboxAndApp;
import dev.tnorders.opentact.it.SecuredKafka;
import dev.tnorders.opentact.it.TopicProbe;
import dev.tnorders.opentact.kafka.KafkaClientSettings;
import dev.tnorders.opentact.standalone.EmbeddedKafkaBroker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The whole flow through a broker that accepts only SASL clients (SASL_PLAINTEXT, SCRAM-SHA-512
 * users made at start with Admin#alterUserScramCredentials; loopback only), with the app
 * configured only through the camel-kafka component's {@code camel.component.kafka.*} properties:
 * the routes' endpoints, the order journal's own clients and the health check all log in. A wrong
 * password or protocol stops the start within the startup timeout, saying which client, which
 * broker and why, and never the password.
 */
class SecuredKafkaIT extends SandboxAndApp {

    private static final String USER = "orders";
    private static final String PASSWORD = "orders-pw-7Yq2";
    private static EmbeddedKafkaBroker broker;

    @BeforeAll
    static void startSecuredBroker() throws Exception {
        long t0 = System.nanoTime();
        broker = EmbeddedKafkaBroker.startTemporarySasl("admin", "admin-pw-Z9", false);
        broker.createScramUser(USER, PASSWORD);
        SecuredKafka.awaitLogin(() -> client(PASSWORD));
        System.out.printf("SecuredKafkaIT: SASL broker up with SCRAM user in %d ms%n", (System.nanoTime() - t0) / 1_000_000);
    }

    @AfterAll
    static void stopSecuredBroker() throws Exception {
        SecuredKafka.stop(broker, null);
    }

    /** A SCRAM client of the secured broker, as TopicProbe's client. */
    private static Properties client(String password) {
        return SecuredKafka.scramClient(broker, "SASL_PLAINTEXT", USER, password);
    }

    /** The app on the secured broker, configured through camel.component.kafka.* only. */
    private RunningApp securedApp(String password) {
        return SecuredKafka.scramApp(new RunningApp(work, sandbox.baseUrl(), TOKEN, broker.bootstrapServers()),
                "SASL_PLAINTEXT", USER, password);
    }

    @Test
    void aKafkaRequestIsOrderedJournalledAndAnsweredThroughTheSecuredBroker() throws Exception {
        List<String> logged = new ArrayList<>();
        try (LogCapture kafkaLog = new LogCapture("org.apache.kafka");
             LogCapture appLog = new LogCapture("dev.tnorders");
             LogCapture camelLog = new LogCapture("org.apache.camel")) {
            long t0 = System.nanoTime();
            app = securedApp(PASSWORD).start();
            System.out.printf("SecuredKafkaIT: app started against the SASL broker in %d ms%n",
                    (System.nanoTime() - t0) / 1_000_000);

            // The journal's and the health check's clients take the options from the properties, by name.
            assertThat(app.bean("kafkaClientSettings", KafkaClientSettings.class).clientProperties(null))
                    .containsEntry("security.protocol", "SASL_PLAINTEXT").containsEntry("sasl.mechanism", "SCRAM-SHA-512")
                    .containsEntry("sasl.jaas.config", EmbeddedKafkaBroker.scramJaasConfig(USER, PASSWORD))
                    .containsOnlyKeys("bootstrap.servers", "security.protocol", "sasl.mechanism", "sasl.jaas.config");

            TopicProbe.send(client(PASSWORD), app.topic("requests"), "s1", """
                    {"request_id": "sec-1", "tns": ["+12029822917", "2025550143"], "max_nrc": "5.00"}""");

            List<TopicProbe.Rec> outcomes = TopicProbe.read(client(PASSWORD), app.topic("outcomes"), 1, WAIT, SETTLE);
            assertThat(outcomes).hasSize(1);
            assertThat(outcomes.get(0).key()).isEqualTo("sec-1");
            assertThat(outcomes.get(0).value()).containsEntry("state", "completed").containsEntry("numbers_ordered", 2);
            List<TopicProbe.Rec> numbers = TopicProbe.read(client(PASSWORD), app.topic("numbers"), 2, WAIT, SETTLE);
            assertThat(numbers).hasSize(2).allSatisfy(n -> assertThat(n.value()).containsEntry("state", "ordered"));
            // The journal, written by the app's own transactional producer on the secured broker.
            List<TopicProbe.Rec> journal = TopicProbe.read(client(PASSWORD), app.topic("journal"), 3, WAIT, SETTLE);
            assertThat(journal).extracting(r -> r.get("phase")).contains("intent", "placed", "done");
            assertThat(journal).allSatisfy(r -> assertThat(r.key()).isEqualTo("sec-1"));
            assertThat(sandbox.purchaseCount(12029822917L)).isEqualTo(1);

            // Readiness (the Kafka health check's own admin client logs in too), without a secret.
            HttpResponse<String> ready = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + app.managementPort + "/observe/health/ready")).build(),
                    HttpResponse.BodyHandlers.ofString());
            await().atMost(WAIT).untilAsserted(() -> assertThat(HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + app.managementPort + "/observe/health/ready")).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200));
            assertThat(ready.body()).doesNotContain(PASSWORD);
            logged.addAll(kafkaLog.messages());
            logged.addAll(appLog.messages());
            logged.addAll(camelLog.messages());
        }
        assertThat(logged).isNotEmpty().noneSatisfy(m -> assertThat(m).contains(PASSWORD));
    }

    @Test
    void aWrongPasswordStopsTheStartQuicklyNamingTheClientAndTheBrokerButNotThePassword() {
        String wrong = "wrong-pw-Qx81";
        RunningApp bad = securedApp(wrong).with("opentact.kafka.startup-timeout-ms", "20000");
        List<String> logged;
        long ms;
        long t0 = System.nanoTime();
        try (LogCapture appLog = new LogCapture("dev.tnorders"); LogCapture kafkaLog = new LogCapture("org.apache.kafka")) {
            assertThatThrownBy(bad::start)
                    .rootCause()
                    .hasMessageStartingWith("Kafka: the order journal's admin client could not create the compacted topic '"
                            + bad.topic("journal") + "' at " + broker.bootstrapServers()
                            + " (security.protocol=SASL_PLAINTEXT, sasl.mechanism=SCRAM-SHA-512): authentication failed: ")
                    .hasMessageContaining("sasl-jaas-config")
                    .satisfies(e -> assertThat(stackText(e)).doesNotContain(wrong));
            ms = (System.nanoTime() - t0) / 1_000_000;
            logged = new ArrayList<>(appLog.messages());
            logged.addAll(kafkaLog.messages());
        } finally {
            bad.close();
        }
        System.out.printf("SecuredKafkaIT: wrong password refused in %d ms%n", ms);
        assertThat(ms).isLessThan(20_000);
        assertThat(logged).noneSatisfy(m -> assertThat(m).contains(wrong));
    }

    @Test
    void plaintextAgainstTheSaslListenerStopsTheStartAtTheStartupTimeout() {
        RunningApp bad = new RunningApp(work, sandbox.baseUrl(), TOKEN, broker.bootstrapServers())
                .with("opentact.kafka.startup-timeout-ms", "5000");
        long ms;
        long t0 = System.nanoTime();
        try {
            assertThatThrownBy(bad::start).rootCause()
                    .hasMessageStartingWith("Kafka: the order journal's admin client could not create the compacted topic '"
                            + bad.topic("journal") + "' at " + broker.bootstrapServers() + " (security.protocol=PLAINTEXT): "
                            + "no answer within 5000 ms (opentact.kafka.startup-timeout-ms)");
            ms = (System.nanoTime() - t0) / 1_000_000;
        } finally {
            bad.close();
        }
        System.out.printf("SecuredKafkaIT: PLAINTEXT against SASL refused in %d ms%n", ms);
        // The start stops at its 5 s startup timeout (plus the context's own boot, 4 s on a busy
        // host: 9,070 ms was seen), not at a client's default of a minute or more.
        assertThat(ms).isLessThan(15_000);
    }

    /** The app in its own JVM, configured only by environment variables, as a user starts it. */
    private AppProcess processWithEnv(String password, String prefix) throws Exception {
        AppProcess p = new AppProcess(work.resolve("app.log"), List.of());
        p.standardEnv(prefix, sandbox.baseUrl(), TOKEN, broker.bootstrapServers(), work.resolve("inbox"),
                        work.resolve("outbox"))
                .env("CAMEL_COMPONENT_KAFKA_SECURITY_PROTOCOL", "SASL_PLAINTEXT")
                .env("CAMEL_COMPONENT_KAFKA_SASL_MECHANISM", "SCRAM-SHA-512")
                .env("CAMEL_COMPONENT_KAFKA_SASL_JAAS_CONFIG", EmbeddedKafkaBroker.scramJaasConfig(USER, password));
        return p;
    }

    @Test
    void environmentVariablesInCamelsMappingConfigureEveryClient() throws Exception {
        String prefix = "env" + System.nanoTime() + ".";
        try (AppProcess p = processWithEnv(PASSWORD, prefix)) {
            p.start();
            TopicProbe.send(client(PASSWORD), prefix + "requests", "e1", "{\"request_id\": \"env-1\", \"tns\": [\"+12012000011\"]}");
            List<TopicProbe.Rec> outcomes = TopicProbe.read(client(PASSWORD), prefix + "outcomes", 1, WAIT, SETTLE);
            assertThat(outcomes).hasSize(1);
            assertThat(outcomes.get(0).value()).containsEntry("request_id", "env-1").containsEntry("state", "completed");
            assertThat(Files.readString(p.log())).doesNotContain(PASSWORD);
        }
    }

    @Test
    void aWrongPasswordInTheEnvironmentEndsTheProcessWithTheReason() throws Exception {
        String wrong = "wrong-env-pw-Lk3";
        String prefix = "envbad" + System.nanoTime() + ".";
        long ms;
        try (AppProcess p = processWithEnv(wrong, prefix).env("OPENTACT_KAFKA_STARTUP_TIMEOUT_MS", "20000")) {
            long t0 = System.nanoTime();
            p.start();
            await().atMost(Duration.ofSeconds(40)).until(() -> !p.isAlive());
            ms = (System.nanoTime() - t0) / 1_000_000;
            String log = Files.readString(p.log());
            log.lines().filter(l -> l.contains("Not started:")).limit(3)
                    .forEach(l -> System.out.println("SecuredKafkaIT: the process said: " + l));
            assertThat(log).contains("ERROR [main] OrderRoutesMain - Not started: Kafka: the order journal's admin client "
                    + "could not create the compacted topic '" + prefix + "journal' at " + broker.bootstrapServers()
                    + " (security.protocol=SASL_PLAINTEXT, sasl.mechanism=SCRAM-SHA-512): authentication failed")
                    .doesNotContain(wrong);
        }
        System.out.printf("SecuredKafkaIT: process with a wrong password ended in %d ms (JVM start included)%n", ms);
        assertThat(ms).isLessThan(20_000);
    }

    private static String stackText(Throwable e) {
        StringWriter w = new StringWriter();
        e.printStackTrace(new PrintWriter(w));
        return w.toString();
    }
}
