package com.example.shop;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.ServiceStatus;
import org.apache.camel.health.HealthCheck;
import org.apache.camel.health.HealthCheckHelper;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

import dev.tnorders.opentact.config.RequiredAcls;
import dev.tnorders.opentact.kafka.KafkaClientSettings;
import dev.tnorders.opentact.sandbox.OpentactSandbox;
import dev.tnorders.opentact.standalone.EmbeddedKafkaBroker;
import dev.tnorders.opentact.standalone.LocalCertificates;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The Spring Boot host against a secured broker, configured only by the host's Spring properties
 * {@code camel.component.kafka.*} (what a deployment gives as CAMEL_COMPONENT_KAFKA_* variables): SASL_SSL with a
 * SCRAM-SHA-512 user, a private CA and a client certificate (the listener requires one), and
 * Kafka's StandardAuthorizer with only the ACLs of the library's docs/secured-kafka.md, named for
 * this host's topics and groups. The library's journal, requests consumers, health check and
 * file results all log in with them. A wrong password stops the host's start with the reason.
 */
class SpringBootHostSecuredKafkaTest {

    private static final String TOKEN = "shop-token";
    private static final String USER = "shop-orders";
    private static final String PASSWORD = "shop-orders-pw-3Wd";
    private static final String STORE_PASSWORD = "shop-store-pw-8Lc";
    private static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    static Path work;
    static EmbeddedKafkaBroker.Tls tls;
    static Path clientKeystore;
    static EmbeddedKafkaBroker broker;
    static OpentactSandbox sandbox;

    @BeforeAll
    static void startBrokerAndSandbox() throws Exception {
        Path certs = work.resolve("certs");
        tls = LocalCertificates.make(certs, STORE_PASSWORD).withClientAuth();
        clientKeystore = LocalCertificates.client(certs, STORE_PASSWORD, "shop-host");
        broker = EmbeddedKafkaBroker.startTemporarySasl("admin", "admin-pw-Q4", true, tls);
        broker.createScramUser(USER, PASSWORD);
        // Only the ACLs of the library's docs/secured-kafka.md (RequiredAcls), for this host's names; the
        // topics made beforehand, as an operator would: the host may create only its journal.
        List<RequiredAcls.Acl> acls = RequiredAcls.forSettings(hostSettings()::getProperty);
        try (Admin admin = Admin.create(broker.adminClientProperties())) {
            admin.createTopics(RequiredAcls.topicsToCreate(acls).stream()
                    .map(t -> new NewTopic(t, Optional.empty(), Optional.empty())).toList()).all().get();
            var bindings = RequiredAcls.bindings(acls, "User:" + USER);
            admin.createAcls(bindings).all().get(30, java.util.concurrent.TimeUnit.SECONDS);
            // The broker's authorizer learns the ACLs from the metadata log a moment after the
            // controller's answer: wait until the broker lists them all.
            var mine = new org.apache.kafka.common.acl.AclBindingFilter(org.apache.kafka.common.resource.ResourcePatternFilter.ANY,
                    new org.apache.kafka.common.acl.AccessControlEntryFilter("User:" + USER, null,
                            org.apache.kafka.common.acl.AclOperation.ANY, org.apache.kafka.common.acl.AclPermissionType.ANY));
            await().atMost(WAIT).ignoreExceptions().until(() -> admin.describeAcls(mine).values()
                    .get(5, java.util.concurrent.TimeUnit.SECONDS).size() >= bindings.size());
        }
        // A SCRAM credential reaches the broker's authenticator a moment after the admin's answer.
        await().atMost(WAIT).ignoreExceptions().until(() -> {
            try (Admin user = Admin.create(userClient())) {
                return !user.describeCluster().nodes().get().isEmpty();
            }
        });
        sandbox = OpentactSandbox.start(0, TOKEN);
        sandbox.setCompletionDelay(Duration.ofMillis(100));
    }

    @AfterAll
    static void stopAll() {
        if (sandbox != null) {
            sandbox.close();
        }
        if (broker != null) {
            broker.close();
        }
    }

    /** The host's settings, as its application.properties names its topics and groups. */
    private static Properties hostSettings() throws Exception {
        Properties p = new Properties();
        try (var in = SpringBootHostSecuredKafkaTest.class.getResourceAsStream("/application.properties")) {
            p.load(in);
        }
        return p;
    }

    /** The deployment's Kafka security, as camel-kafka's component options (camel.component.kafka.<option>). */
    private static Map<String, String> kafkaSecurity(String password) {
        Map<String, String> o = new LinkedHashMap<>();
        o.put("security-protocol", "SASL_SSL");
        o.put("sasl-mechanism", "SCRAM-SHA-512");
        o.put("sasl-jaas-config", EmbeddedKafkaBroker.scramJaasConfig(USER, password));
        o.put("ssl-truststore-location", tls.truststore().toString());
        o.put("ssl-truststore-password", STORE_PASSWORD);
        o.put("ssl-truststore-type", "PKCS12");
        o.put("ssl-keystore-location", clientKeystore.toString());
        o.put("ssl-keystore-password", STORE_PASSWORD);
        o.put("ssl-key-password", STORE_PASSWORD);
        o.put("ssl-keystore-type", "PKCS12");
        return o;
    }

    /** The host's user, CA and certificate as Kafka client properties, for the test's wait for the user's login. */
    private static Properties userClient() {
        return new KafkaClientSettings(broker.bootstrapServers(), kafkaSecurity(PASSWORD)).clientProperties(null);
    }

    /** The host with the deployment's settings (Spring properties): the broker's address and security, the sandbox. */
    private static SpringApplicationBuilder host(String password, String... more) {
        List<String> settings = new ArrayList<>(List.of(
                "camel.component.kafka.brokers=" + broker.bootstrapServers(),
                // Any other Kafka client property, passed through as camel-kafka's additional-properties.
                "camel.component.kafka.additional-properties[client.dns.lookup]=use_all_dns_ips",
                "opentact.api.base-url=" + sandbox.baseUrl(),
                "opentact.api.token=" + TOKEN,
                "opentact.inbox.dir=" + work.resolve("inbox"),
                "opentact.outbox.dir=" + work.resolve("outbox"),
                "opentact.order.poll-interval-ms=100",
                "opentact.order.poll-max-interval-ms=500"));
        kafkaSecurity(password).forEach((option, value) -> settings.add("camel.component.kafka." + option + "=" + value));
        settings.addAll(List.of(more));
        return new SpringApplicationBuilder(ShopApplication.class).properties(settings.toArray(String[]::new));
    }

    @Test
    void theHostOrdersThroughSaslSslWithAClientCertificateAndOnlyTheDocumentedAcls() throws Exception {
        long t0 = System.nanoTime();
        try (ConfigurableApplicationContext app = host(PASSWORD).run()) {
            CamelContext camel = app.getBean(CamelContext.class);
            await().atMost(WAIT).until(() -> camel.getStatus() == ServiceStatus.Started);
            System.out.printf("SpringBootHostSecuredKafkaTest: host started against SASL_SSL + mTLS + ACLs in %d ms%n",
                    (System.nanoTime() - t0) / 1_000_000);
            Exchange sent = camel.createProducerTemplate().request("direct:shop-basket-paid",
                    e -> e.getMessage().setHeader("tn", "+12012000081"));
            assertThat(sent.getException()).isNull();
            String requestId = sent.getMessage().getHeader("OpentactRequestId", String.class);
            List<Map<String, Object>> outcomes = HostTopics.read(broker.adminClientProperties(), "shop.opentact.outcomes", requestId);
            assertThat(outcomes).hasSize(1);
            assertThat(outcomes.get(0)).containsEntry("state", "completed").containsEntry("numbers_ordered", 1);
            List<Map<String, Object>> numbers = HostTopics.read(broker.adminClientProperties(), "shop.opentact.numbers", "+12012000081");
            assertThat(numbers).hasSize(1);
            assertThat(numbers.get(0)).containsEntry("state", "ordered").containsEntry("request_id", requestId);
            assertThat(sandbox.purchaseCount(12012000081L)).isEqualTo(1);
            // The library's own clients (journal, requests consumers, health check) got the host's settings.
            assertThat(camel.getRegistry().lookupByNameAndType("kafkaClientSettings", KafkaClientSettings.class)
                    .clientProperties(null)).extractingByKeys("security.protocol", "ssl.keystore.location", "client.dns.lookup")
                    .containsExactly("SASL_SSL", clientKeystore.toString(), "use_all_dns_ips");
            // Readiness: the library's checks, the Kafka one logging in with the host's settings.
            await().atMost(WAIT).untilAsserted(() -> assertThat(HealthCheckHelper.invokeReadiness(camel))
                    .isNotEmpty().allSatisfy(r -> assertThat(r.getState()).as(r.getCheck().getId())
                            .isEqualTo(HealthCheck.State.UP)));
        }
    }

    @Test
    void aWrongPasswordStopsTheHostsStartWithTheReasonAndNotThePassword() {
        String wrong = "wrong-shop-pw-6Tq";
        SpringApplicationBuilder host = host(wrong, "opentact.kafka.startup-timeout-ms=20000");
        long t0 = System.nanoTime();
        assertThatThrownBy(host::run).rootCause()
                .hasMessageStartingWith("Kafka: the order journal's admin client could not create the compacted topic "
                        + "'shop.opentact.journal' at " + broker.bootstrapServers()
                        + " (security.protocol=SASL_SSL, sasl.mechanism=SCRAM-SHA-512): authentication failed: ")
                .hasMessageNotContaining(wrong);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        System.out.printf("SpringBootHostSecuredKafkaTest: a wrong password stopped the host's start in %d ms%n", ms);
        assertThat(ms).isLessThan(20_000);
    }
}
