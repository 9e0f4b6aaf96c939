package dev.tnorders.opentact.it.secured;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.tnorders.opentact.it.RunningApp;
import dev.tnorders.opentact.it.SandboxAndApp;
import dev.tnorders.opentact.it.SecuredKafka;
import dev.tnorders.opentact.standalone.EmbeddedKafkaBroker;
import dev.tnorders.opentact.standalone.LocalCertificates;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * SASL_SSL: the in-process broker's listener with TLS, its certificate signed by a CA made at test
 * time (keytool), SCRAM-SHA-512 over it; the app trusts the CA through
 * {@code camel.component.kafka.ssl-truststore-*} and checks the broker's name (the default
 * endpoint identification, https). Kafka's StandardAuthorizer is on and the user holds only the
 * ACLs of docs/secured-kafka.md; the whole flow runs. A trust store without the CA fails the start
 * with the TLS reason.
 */
class SecuredKafkaSslIT extends SandboxAndApp {

    private static final String USER = "orders";
    private static final String PASSWORD = "orders-tls-pw-2Wd";
    private static final String STORE_PASSWORD = "store-pw-6Hn";
    private static Path certs;
    private static EmbeddedKafkaBroker.Tls tls;
    private static EmbeddedKafkaBroker broker;

    @BeforeAll
    static void startBroker() throws Exception {
        long t0 = System.nanoTime();
        certs = Files.createTempDirectory("opentact-certs-");
        tls = LocalCertificates.make(certs, STORE_PASSWORD);
        broker = EmbeddedKafkaBroker.startTemporarySasl("admin", "admin-pw-Z9", true, tls);
        broker.createScramUser(USER, PASSWORD);
        SecuredKafka.awaitLogin(SecuredKafkaSslIT::client);
        System.out.printf("SecuredKafkaSslIT: CA, certificates and SASL_SSL broker in %d ms%n",
                (System.nanoTime() - t0) / 1_000_000);
    }

    @AfterAll
    static void stopBroker() throws Exception {
        SecuredKafka.stop(broker, certs);
    }

    private static Properties client() {
        Properties p = SecuredKafka.trusting(SecuredKafka.scramClient(broker, "SASL_SSL", USER, PASSWORD),
                tls.truststore(), STORE_PASSWORD);
        return p;
    }

    private RunningApp app(Path truststore) {
        return SecuredKafka.trusting(SecuredKafka.scramApp(new RunningApp(work, sandbox.baseUrl(), TOKEN,
                broker.bootstrapServers()), "SASL_SSL", USER, PASSWORD), truststore, STORE_PASSWORD);
    }

    @Test
    void theWholeFlowOverSaslSslWithOnlyTheListedAcls() throws Exception {
        RunningApp configured = app(tls.truststore());
        SecuredKafka.grantRequiredAcls(broker.adminClientProperties(), configured, "User:" + USER);
        long t0 = System.nanoTime();
        app = configured.start();
        System.out.printf("SecuredKafkaSslIT: app started against the SASL_SSL broker in %d ms%n",
                (System.nanoTime() - t0) / 1_000_000);
        SecuredKafka.assertWholeFlow(app, broker.adminClientProperties(), "tls-1", "+12012000031", "+12012000032");
    }

    @Test
    void aTrustStoreWithoutTheCaFailsTheStartWithTheTlsReason() throws Exception {
        // The broker's key store as trust store: it holds the CA too, so make one with another CA.
        EmbeddedKafkaBroker.Tls other = LocalCertificates.make(certs.resolve("other"), STORE_PASSWORD);
        RunningApp bad = app(other.truststore()).with("opentact.kafka.startup-timeout-ms", "20000");
        long t0 = System.nanoTime();
        try {
            assertThatThrownBy(bad::start).rootCause()
                    .hasMessageStartingWith("Kafka: the order journal's admin client could not create the compacted topic '"
                            + bad.topic("journal") + "' at " + broker.bootstrapServers()
                            + " (security.protocol=SASL_SSL, sasl.mechanism=SCRAM-SHA-512): TLS handshake failed: ")
                    .hasMessageNotContaining(STORE_PASSWORD).hasMessageNotContaining(PASSWORD)
                    .satisfies(e -> System.out.println("SecuredKafkaSslIT: the start said: " + e.getMessage()));
        } finally {
            bad.close();
        }
        System.out.printf("SecuredKafkaSslIT: an untrusted broker refused in %d ms%n", (System.nanoTime() - t0) / 1_000_000);
    }
}
