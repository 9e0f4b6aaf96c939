package dev.tnorders.opentact.it;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.tnorders.opentact.standalone.EmbeddedKafkaBroker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * mTLS on top of SASL_SSL: the broker requires a client certificate signed by the test CA
 * ({@code ssl.client.auth=required}); the app shows one through {@code camel.component.kafka.ssl-keystore-*}
 * and {@code ssl-key-password}, for every client. Without it the start fails with the TLS reason.
 */
class SecuredKafkaMtlsIT extends SandboxAndApp {

    private static final String USER = "orders";
    private static final String PASSWORD = "orders-mtls-pw-5Ty";
    private static final String STORE_PASSWORD = "store-pw-3Kq";
    private static Path certs;
    private static Path clientKeystore;
    private static EmbeddedKafkaBroker.Tls tls;
    private static EmbeddedKafkaBroker broker;

    @BeforeAll
    static void startBroker() throws Exception {
        certs = Files.createTempDirectory("opentact-mtls-");
        tls = TestCertificates.make(certs, STORE_PASSWORD).withClientAuth();
        clientKeystore = TestCertificates.client(certs, STORE_PASSWORD, "opentact-order-routes");
        broker = EmbeddedKafkaBroker.startTemporarySasl("admin", "admin-pw-Z9", false, tls);
        broker.createScramUser(USER, PASSWORD);
        SecuredKafka.awaitLogin(SecuredKafkaMtlsIT::client);
    }

    @AfterAll
    static void stopBroker() throws Exception {
        SecuredKafka.stop(broker, certs);
    }

    private static Properties client() {
        Properties p = SecuredKafka.trusting(SecuredKafka.scramClient(broker, "SASL_SSL", USER, PASSWORD),
                tls.truststore(), STORE_PASSWORD);
        p.put("ssl.keystore.location", clientKeystore.toString());
        p.put("ssl.keystore.password", STORE_PASSWORD);
        p.put("ssl.key.password", STORE_PASSWORD);
        p.put("ssl.keystore.type", "PKCS12");
        return p;
    }

    private RunningApp mtlsApp() {
        return SecuredKafka.trusting(SecuredKafka.scramApp(new RunningApp(work, sandbox.baseUrl(), TOKEN,
                broker.bootstrapServers()), "SASL_SSL", USER, PASSWORD), tls.truststore(), STORE_PASSWORD);
    }

    @Test
    void withAClientCertificateTheWholeFlowWorks() throws Exception {
        app = mtlsApp().with("camel.component.kafka.ssl-keystore-location", clientKeystore.toString())
                .with("camel.component.kafka.ssl-keystore-password", STORE_PASSWORD)
                .with("camel.component.kafka.ssl-key-password", STORE_PASSWORD)
                .with("camel.component.kafka.ssl-keystore-type", "PKCS12")
                .start();
        TopicProbe.send(client(), app.topic("requests"), "m1", "{\"request_id\": \"mtls-1\", \"tns\": [\"+12012000041\"]}");
        List<TopicProbe.Rec> outcomes = TopicProbe.read(client(), app.topic("outcomes"), 1, WAIT, SETTLE);
        assertThat(outcomes).hasSize(1);
        assertThat(outcomes.get(0).value()).containsEntry("request_id", "mtls-1").containsEntry("state", "completed");
    }

    @Test
    void withoutAClientCertificateTheStartFailsWithTheTlsReason() {
        RunningApp bad = mtlsApp().with("opentact.kafka.startup-timeout-ms", "20000");
        long t0 = System.nanoTime();
        try {
            assertThatThrownBy(bad::start).rootCause()
                    .hasMessageStartingWith("Kafka: the order journal's admin client could not create the compacted topic '"
                            + bad.topic("journal") + "' at " + broker.bootstrapServers()
                            + " (security.protocol=SASL_SSL, sasl.mechanism=SCRAM-SHA-512): TLS handshake failed: ")
                    .hasMessageNotContaining(STORE_PASSWORD)
                    .satisfies(e -> System.out.println("SecuredKafkaMtlsIT: the start said: " + e.getMessage()));
        } finally {
            bad.close();
        }
        System.out.printf("SecuredKafkaMtlsIT: no client certificate refused in %d ms%n", (System.nanoTime() - t0) / 1_000_000);
    }
}
