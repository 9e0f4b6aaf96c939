package com.example.crm;

import java.nio.file.Path;
import java.util.Map;

import org.apache.camel.Exchange;
import org.apache.camel.ServiceStatus;
import org.apache.camel.main.Main;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.tnorders.opentact.hosttest.HostChecks;
import dev.tnorders.opentact.hosttest.HostDeployment;
import dev.tnorders.opentact.hosttest.SecuredHostDeployment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The host against a secured broker, configured only by the host's {@code camel.component.kafka.*}
 * settings (what a deployment gives as CAMEL_COMPONENT_KAFKA_* variables): SASL_SSL with a
 * SCRAM-SHA-512 user, a private CA and a client certificate (the listener requires one), and
 * Kafka's StandardAuthorizer with only the ACLs of the library's docs/secured-kafka.md, named for
 * this host's topics and groups (SecuredHostDeployment, from the library's host test support). The
 * library's journal, requests consumers, health check and file results all log in with them. A wrong
 * password stops the host's start with the reason.
 */
class CamelMainHostSecuredKafkaTest {

    @TempDir
    static Path work;
    static SecuredHostDeployment deployment;

    @BeforeAll
    static void startDeployment() throws Exception {
        deployment = SecuredHostDeployment.start(work, "crm", CamelMainHostSecuredKafkaTest.class);
    }

    @AfterAll
    static void stopAll() {
        if (deployment != null) {
            deployment.close();
        }
    }

    /** The host with these settings of the deployment, as Camel Main override properties. */
    private static Main host(Map<String, String> settings) {
        Main host = CrmHost.create();
        settings.forEach(host::addOverrideProperty);
        // The host's own outcome consumer would need ACLs of its own (its group), not the library's: left out.
        host.addOverrideProperty("camel.main.routes-exclude-pattern", "**/crm-outcomes.camel.yaml");
        return host;
    }

    @Test
    void theHostOrdersThroughSaslSslWithAClientCertificateAndOnlyTheDocumentedAcls() throws Exception {
        Main host = host(deployment.hostSettings());
        long t0 = System.nanoTime();
        try {
            host.start();
            await().atMost(HostDeployment.WAIT).until(() -> host.getCamelContext() != null
                    && host.getCamelContext().getStatus() == ServiceStatus.Started);
            System.out.printf("CamelMainHostSecuredKafkaTest: host started against SASL_SSL + mTLS + ACLs in %d ms%n",
                    (System.nanoTime() - t0) / 1_000_000);
            Exchange sent = host.getCamelContext().createProducerTemplate().request("direct:crm-new-customer", e -> {
                e.getMessage().setHeader("customerId", "sec-7");
                e.getMessage().setHeader("tn", "+12012000071");
            });
            assertThat(sent.getException()).isNull();
            HostChecks.orderedOnce(deployment.adminClient(), "crm.opentact", "crm-sec-7", "+12012000071", deployment.sandbox());
            HostChecks.libraryClientsUseTheSecuredSettings(host.getCamelContext(), deployment);
        } finally {
            host.stop();
        }
    }

    @Test
    void aWrongPasswordStopsTheHostsStartWithTheReasonAndNotThePassword() {
        String wrong = "wrong-crm-pw-5Rz";
        Main host = host(deployment.hostSettings(wrong));
        host.addOverrideProperty("opentact.kafka.startup-timeout-ms", "20000");
        HostChecks.wrongPasswordStopsTheStart("CamelMainHostSecuredKafkaTest", () -> {
            try {
                host.start();
            } finally {
                host.stop();
            }
        }, deployment, "crm.opentact.journal", wrong);
    }
}
