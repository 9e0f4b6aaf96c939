package dev.tnorders.opentact.it.secured;

import java.nio.file.Files;
import java.nio.file.Path;

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
 * mTLS without SASL: the broker's one listener is SSL and requires a client certificate signed by
 * the test CA ({@code ssl.client.auth=required}), Kafka's StandardAuthorizer is on, and the app's
 * principal is its certificate's subject, {@code User:CN=opentact-order-routes}, holding exactly the
 * ACLs of docs/secured-kafka.md. The app shows its certificate through
 * {@code camel.component.kafka.security-protocol=SSL} and {@code ssl-keystore-*}/{@code ssl-key-password},
 * for every client. Without a certificate the start fails with the TLS reason.
 */
class SecuredKafkaMtlsIT extends SandboxAndApp {

    private static final String STORE_PASSWORD = "store-pw-3Kq";
    private static final String PRINCIPAL = "User:CN=opentact-order-routes";
    private static Path certs;
    private static Path clientKeystore;
    private static EmbeddedKafkaBroker.Tls tls;
    private static EmbeddedKafkaBroker broker;

    @BeforeAll
    static void startBroker() throws Exception {
        certs = Files.createTempDirectory("opentact-mtls-");
        tls = LocalCertificates.make(certs, STORE_PASSWORD);
        clientKeystore = LocalCertificates.client(certs, STORE_PASSWORD, "opentact-order-routes");
        broker = EmbeddedKafkaBroker.startTemporaryMtls(tls, true);
        SecuredKafka.awaitLogin(broker::adminClientProperties);
    }

    @AfterAll
    static void stopBroker() throws Exception {
        SecuredKafka.stop(broker, certs);
    }

    private RunningApp mtlsApp() {
        return SecuredKafka.trusting(new RunningApp(work, sandbox.baseUrl(), TOKEN, broker.bootstrapServers())
                .with("camel.component.kafka.security-protocol", "SSL"), tls.truststore(), STORE_PASSWORD);
    }

    @Test
    void withAClientCertificateAndTheListedAclsTheWholeFlowWorks() throws Exception {
        RunningApp configured = mtlsApp()
                .with("camel.component.kafka.ssl-keystore-location", clientKeystore.toString())
                .with("camel.component.kafka.ssl-keystore-password", STORE_PASSWORD)
                .with("camel.component.kafka.ssl-key-password", STORE_PASSWORD)
                .with("camel.component.kafka.ssl-keystore-type", "PKCS12");
        SecuredKafka.grantRequiredAcls(broker.adminClientProperties(), configured, PRINCIPAL);
        long t0 = System.nanoTime();
        app = configured.start();
        System.out.printf("SecuredKafkaMtlsIT: app started against the mTLS broker in %d ms%n",
                (System.nanoTime() - t0) / 1_000_000);
        SecuredKafka.assertWholeFlow(app, broker.adminClientProperties(), "mtls-1", "+12012000041", "+12012000042");
    }

    @Test
    void withoutAClientCertificateTheStartFailsWithTheTlsReason() {
        RunningApp bad = mtlsApp().with("opentact.kafka.startup-timeout-ms", "20000");
        long t0 = System.nanoTime();
        try {
            assertThatThrownBy(bad::start).rootCause()
                    .hasMessageStartingWith("Kafka: the order journal's admin client could not create the compacted topic '"
                            + bad.topic("journal") + "' at " + broker.bootstrapServers()
                            + " (security.protocol=SSL): TLS handshake failed: ")
                    .hasMessageNotContaining(STORE_PASSWORD)
                    .satisfies(e -> System.out.println("SecuredKafkaMtlsIT: the start said: " + e.getMessage()));
        } finally {
            bad.close();
        }
        System.out.printf("SecuredKafkaMtlsIT: no client certificate refused in %d ms%n", (System.nanoTime() - t0) / 1_000_000);
    }
}
