package com.example.crm;

import java.util.ServiceLoader;

import org.apache.camel.Exchange;
import org.apache.camel.ServiceStatus;
import org.apache.camel.main.Main;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.spi.SLF4JServiceProvider;

import dev.tnorders.opentact.hosttest.HostChecks;
import dev.tnorders.opentact.hosttest.HostDeployment;
import dev.tnorders.opentact.intake.InvalidRequestException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The host application started as it runs in production: its application.properties (the snippet
 * of the library's docs/embedding.md), and the deployment's settings as real environment variables
 * of this JVM, set by the build (surefire's environmentVariables in pom.xml): CAMEL_COMPONENT_KAFKA_*,
 * OPENTACT_*. Nothing is passed as a property. The deployment (a real Kafka broker and the Opentact
 * sandbox over HTTP at the addresses those variables name) and the checks every host makes come from
 * the library's host test support (dev.tnorders.opentact.hosttest).
 */
class CamelMainHostTest {

    static HostDeployment deployment;
    static Main host;

    @BeforeAll
    static void startHost() throws Exception {
        deployment = HostDeployment.start();
        host = CrmHost.create();
        host.start();
        await().atMost(HostDeployment.WAIT).until(() -> host.getCamelContext() != null
                && host.getCamelContext().getStatus() == ServiceStatus.Started);
    }

    @AfterAll
    static void stopAll() {
        if (host != null) {
            host.stop();
        }
        if (deployment != null) {
            deployment.close();
        }
    }

    @Test
    void theDeploymentsEnvironmentVariablesReachTheKafkaComponentAndTheBundle() {
        assertThat(host.getOverrideProperties()).isNullOrEmpty();
        // Camel Main 4.18 applies no CAMEL_COMPONENT_* variable to a component itself: the bundle's
        // opentactHostSetup offers them as properties, and Camel Main configures the component with them.
        HostChecks.deploymentSettingsReached(host.getCamelContext(), deployment.brokers());
    }

    @Test
    void theBundlesBeansAreBuiltOnceInTheHostsContext() {
        HostChecks.beansBuiltOnce(host.getCamelContext());
    }

    @Test
    void theHostRunsTheLibraryRoutesWithItsOwnProperties() {
        HostChecks.runsTheLibraryRoutes(host.getCamelContext(), "crm-host", "crm-new-customer");
        // One logging backend: the host's (the library brings none).
        assertThat(ServiceLoader.load(SLF4JServiceProvider.class).stream().count()).isEqualTo(1);
    }

    @Test
    void aHostRouteOrdersANumberThroughTheKameletKafkaAndOpentact() throws Exception {
        Exchange sent = host.getCamelContext().createProducerTemplate().request("direct:crm-new-customer", e -> {
            e.getMessage().setHeader("customerId", "c-42");
            e.getMessage().setHeader("tn", "+12029822917");
        });
        assertThat(sent.getException()).isNull();
        assertThat(sent.getMessage().getHeader("OpentactRequestId")).isEqualTo("crm-c-42");
        HostChecks.orderedOnce(deployment.client(), "crm.opentact", "crm-c-42", "+12029822917", deployment.sandbox());
        // The host's own outcome consumer (crm-outcomes, read_committed) got it too.
        CrmOutcomes crm = host.getCamelContext().getRegistry().lookupByNameAndType("crmOutcomes", CrmOutcomes.class);
        await().atMost(HostDeployment.WAIT).until(() -> crm.of("crm-c-42") != null);
        assertThat(crm.of("crm-c-42").path("state").asText()).isEqualTo("completed");
    }

    @Test
    void theKameletRefusesABadRequestNamingTheFieldAndSendsNothing() {
        int ordersBefore = deployment.sandbox().orderCount();
        Exchange sent = host.getCamelContext().createProducerTemplate().send("kamelet:opentact-order-sink?requestIdPrefix=crm",
                e -> e.getMessage().setBody("{\"request_id\": \"crm-bad\", \"tns\": [\"+12012000003\"], \"features\": [\"telepathy\"]}"));
        Throwable error = sent.getException();
        while (error != null && !(error instanceof InvalidRequestException)) {
            error = error.getCause();
        }
        assertThat(error).isInstanceOf(InvalidRequestException.class).hasMessageContaining("features");
        assertThat(deployment.sandbox().orderCount()).isEqualTo(ordersBefore);
        assertThat(deployment.sandbox().purchaseCount(12012000003L)).isZero();
    }

    @Test
    void anOperatorCommandOnTheHostsControlTopicResumesIntake() {
        HostChecks.operatorCommandResumesIntake(host.getCamelContext(), deployment.client(), "crm.opentact.control");
    }
}
