package com.example.shop;

import java.io.IOException;
import java.util.ServiceLoader;

import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.slf4j.spi.SLF4JServiceProvider;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.annotation.DirtiesContext;

import dev.tnorders.opentact.hosttest.HostChecks;
import dev.tnorders.opentact.hosttest.HostDeployment;
import dev.tnorders.opentact.hosttest.HostTopics;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Spring Boot host started by @SpringBootTest with its own application.properties (the
 * library's beans and routes included by pattern), and the deployment's settings as real
 * environment variables of this JVM, set by the build (surefire's environmentVariables in pom.xml):
 * CAMEL_COMPONENT_KAFKA_*, OPENTACT_*. Nothing is passed as a property. The deployment (a real Kafka
 * broker and the Opentact sandbox over HTTP at the addresses those variables name, started before the
 * application) and the checks every host makes come from the library's host test support
 * (dev.tnorders.opentact.hosttest).
 */
@SpringBootTest(classes = ShopApplication.class)
@DirtiesContext // the application stops after this class, before the broker and sandbox (JVM exit)
class SpringBootHostTest {

    static HostDeployment deployment;

    @Autowired
    CamelContext camel;

    /** The deployment, before the application. */
    @BeforeAll
    static void deployment() throws IOException {
        deployment = HostDeployment.start();
        // Closed at JVM exit: @DirtiesContext closes the application first, after this class.
        Runtime.getRuntime().addShutdownHook(new Thread(deployment::close, "host-test-deployment-shutdown"));
    }

    @Test
    void theDeploymentsEnvironmentVariablesReachTheKafkaComponentAndTheBundle() {
        HostChecks.deploymentSettingsReached(camel, deployment.brokers());
    }

    @Test
    void theBundlesBeansAreBuiltOnceInTheHostsContext() {
        HostChecks.beansBuiltOnce(camel);
    }

    @Test
    void theHostRunsTheLibraryRoutesWithItsOwnPropertiesAndOneLoggingBackend() {
        HostChecks.runsTheLibraryRoutes(camel, "shop-camel", "shop-basket-paid");
        assertThat(ServiceLoader.load(SLF4JServiceProvider.class).stream().count()).isEqualTo(1);
        assertThat(LoggerFactory.getILoggerFactory().getClass().getName()).startsWith("ch.qos.logback");
    }

    @Test
    void aRequestOnTheHostsRequestsTopicIsOrderedThroughOpentact() throws Exception {
        HostTopics.send(deployment.client(), "shop.opentact.requests", "shop-kafka-1",
                "{\"request_id\": \"shop-kafka-1\", \"tns\": [\"+12012000001\"]}");
        HostChecks.orderedOnce(deployment.client(), "shop.opentact", "shop-kafka-1", "+12012000001", deployment.sandbox());
        // The host's own auth form (application.properties) reached Opentact.
        assertThat(deployment.sandbox().authFormsSeen()).containsKey("bearer").doesNotContainKey("x-auth-token");
    }

    @Test
    void aHostRouteOrdersThroughTheKameletWithoutKnowingTheTopics() throws Exception {
        Exchange sent = camel.createProducerTemplate().request("direct:shop-basket-paid",
                e -> e.getMessage().setHeader("tn", "+12029822917"));
        assertThat(sent.getException()).isNull();
        String requestId = sent.getMessage().getHeader("OpentactRequestId", String.class);
        assertThat(requestId).matches("shop-[0-9a-f-]{36}");
        HostChecks.orderedOnce(deployment.client(), "shop.opentact", requestId, "+12029822917", deployment.sandbox());
    }

    @Test
    void anOperatorCommandOnTheHostsControlTopicResumesIntake() {
        HostChecks.operatorCommandResumesIntake(camel, deployment.client(), "shop.opentact.control");
    }
}
