package com.example.shop;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.ServiceStatus;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

import dev.tnorders.opentact.hosttest.HostChecks;
import dev.tnorders.opentact.hosttest.HostDeployment;
import dev.tnorders.opentact.hosttest.SecuredHostDeployment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The Spring Boot host against a secured broker, configured only by the host's Spring properties
 * {@code camel.component.kafka.*} (what a deployment gives as CAMEL_COMPONENT_KAFKA_* variables): SASL_SSL with a
 * SCRAM-SHA-512 user, a private CA and a client certificate (the listener requires one), and
 * Kafka's StandardAuthorizer with only the ACLs of the library's docs/secured-kafka.md, named for
 * this host's topics and groups (SecuredHostDeployment, from the library's host test support). The
 * library's journal, requests consumers, health check and file results all log in with them. A wrong
 * password stops the host's start with the reason.
 */
class SpringBootHostSecuredKafkaTest {

    @TempDir
    static Path work;
    static SecuredHostDeployment deployment;

    @BeforeAll
    static void startDeployment() throws Exception {
        deployment = SecuredHostDeployment.start(work, "shop", SpringBootHostSecuredKafkaTest.class);
    }

    @AfterAll
    static void stopAll() {
        if (deployment != null) {
            deployment.close();
        }
    }

    /** The host with these settings of the deployment (and any more), as Spring properties. */
    private static SpringApplicationBuilder host(Map<String, String> settings, String... more) {
        List<String> properties = new ArrayList<>();
        settings.forEach((key, value) -> properties.add(key + "=" + value));
        properties.addAll(List.of(more));
        return new SpringApplicationBuilder(ShopApplication.class).properties(properties.toArray(String[]::new));
    }

    @Test
    void theHostOrdersThroughSaslSslWithAClientCertificateAndOnlyTheDocumentedAcls() throws Exception {
        long t0 = System.nanoTime();
        try (ConfigurableApplicationContext app = host(deployment.hostSettings()).run()) {
            CamelContext camel = app.getBean(CamelContext.class);
            await().atMost(HostDeployment.WAIT).until(() -> camel.getStatus() == ServiceStatus.Started);
            System.out.printf("SpringBootHostSecuredKafkaTest: host started against SASL_SSL + mTLS + ACLs in %d ms%n",
                    (System.nanoTime() - t0) / 1_000_000);
            Exchange sent = camel.createProducerTemplate().request("direct:shop-basket-paid",
                    e -> e.getMessage().setHeader("tn", "+12012000081"));
            assertThat(sent.getException()).isNull();
            String requestId = sent.getMessage().getHeader("OpentactRequestId", String.class);
            HostChecks.orderedOnce(deployment.adminClient(), "shop.opentact", requestId, "+12012000081", deployment.sandbox());
            HostChecks.libraryClientsUseTheSecuredSettings(camel, deployment);
        }
    }

    @Test
    void aWrongPasswordStopsTheHostsStartWithTheReasonAndNotThePassword() {
        String wrong = "wrong-shop-pw-6Tq";
        SpringApplicationBuilder host = host(deployment.hostSettings(wrong), "opentact.kafka.startup-timeout-ms=20000");
        HostChecks.wrongPasswordStopsTheStart("SpringBootHostSecuredKafkaTest", host::run, deployment,
                "shop.opentact.journal", wrong);
    }
}
