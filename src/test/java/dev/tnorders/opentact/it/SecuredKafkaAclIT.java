package dev.tnorders.opentact.it;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.tnorders.opentact.standalone.EmbeddedKafkaBroker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The SASL broker of {@link SecuredKafkaIT} with Kafka's StandardAuthorizer on: the app's user
 * holds exactly the ACLs docs/secured-kafka.md lists, and the whole flow works; a user without
 * them is refused at start with the reason.
 */
class SecuredKafkaAclIT extends SandboxAndApp {

    private static final String USER = "orders";
    private static final String PASSWORD = "orders-acl-pw-4Rt";
    private static final String BARE_USER = "no-acls";
    private static final String BARE_PASSWORD = "bare-pw-8Jm";
    private static EmbeddedKafkaBroker broker;

    @BeforeAll
    static void startBroker() throws Exception {
        broker = EmbeddedKafkaBroker.startTemporarySasl("admin", "admin-pw-Z9", true);
        broker.createScramUser(USER, PASSWORD);
        broker.createScramUser(BARE_USER, BARE_PASSWORD);
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> {
            try (Admin admin = Admin.create(client(BARE_USER, BARE_PASSWORD))) {
                admin.describeCluster().nodes().get();
                return true;
            } catch (java.util.concurrent.ExecutionException e) {
                // authorised or not, it logged in: the SCRAM credential has arrived
                return e.getCause() instanceof org.apache.kafka.common.errors.AuthorizationException;
            }
        });
    }

    @AfterAll
    static void stopBroker() throws Exception {
        SecuredKafka.stop(broker, null);
    }

    private static Properties client(String user, String password) {
        return SecuredKafka.scramClient(broker, "SASL_PLAINTEXT", user, password);
    }

    /** The ACLs of docs/secured-kafka.md, for the app's topics and groups (all under one prefix here). */
    private static void grant(String user, String prefix) throws Exception {
        String principal = "User:" + user;
        List<AclBinding> acls = new ArrayList<>();
        for (AclOperation op : List.of(AclOperation.DESCRIBE, AclOperation.READ, AclOperation.WRITE, AclOperation.CREATE)) {
            acls.add(allow(ResourceType.TOPIC, prefix, PatternType.PREFIXED, principal, op));
        }
        acls.add(allow(ResourceType.GROUP, prefix, PatternType.PREFIXED, principal, AclOperation.READ));
        acls.add(allow(ResourceType.TRANSACTIONAL_ID, "opentact-order-routes-", PatternType.PREFIXED, principal,
                AclOperation.WRITE));
        acls.add(allow(ResourceType.TRANSACTIONAL_ID, "opentact-order-routes-", PatternType.PREFIXED, principal,
                AclOperation.DESCRIBE));
        acls.add(allow(ResourceType.CLUSTER, "kafka-cluster", PatternType.LITERAL, principal, AclOperation.DESCRIBE));
        try (Admin admin = Admin.create(broker.adminClientProperties())) {
            admin.createAcls(acls).all().get();
        }
    }

    private static AclBinding allow(ResourceType type, String name, PatternType pattern, String principal, AclOperation op) {
        return new AclBinding(new ResourcePattern(type, name, pattern),
                new AccessControlEntry(principal, "*", op, AclPermissionType.ALLOW));
    }

    private RunningApp securedApp(String user, String password) {
        return SecuredKafka.scramApp(new RunningApp(work, sandbox.baseUrl(), TOKEN, broker.bootstrapServers()),
                "SASL_PLAINTEXT", user, password);
    }

    @Test
    void withTheListedAclsTheWholeFlowWorks() throws Exception {
        RunningApp configured = securedApp(USER, PASSWORD);
        grant(USER, configured.prefix);
        app = configured.start();
        TopicProbe.send(broker.adminClientProperties(), app.topic("requests"), "a1",
                "{\"request_id\": \"acl-1\", \"tns\": [\"+12012000021\"]}");
        List<TopicProbe.Rec> outcomes = TopicProbe.read(broker.adminClientProperties(), app.topic("outcomes"), 1, WAIT, SETTLE);
        assertThat(outcomes).hasSize(1);
        assertThat(outcomes.get(0).value()).containsEntry("request_id", "acl-1").containsEntry("state", "completed");
        List<TopicProbe.Rec> journal = TopicProbe.read(broker.adminClientProperties(), app.topic("journal"), 3, WAIT, SETTLE);
        assertThat(journal).extracting(r -> r.get("phase")).contains("intent", "done");
        // Readiness: the health check's admin client may describe the cluster.
        await().atMost(WAIT).untilAsserted(() -> assertThat(java.net.http.HttpClient.newHttpClient().send(
                java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + app.managementPort
                        + "/observe/health/ready")).build(), java.net.http.HttpResponse.BodyHandlers.ofString())
                .statusCode()).isEqualTo(200));
    }

    @Test
    void aUserWithoutAclsIsRefusedAtStartWithTheReason() {
        RunningApp bad = securedApp(BARE_USER, BARE_PASSWORD).with("opentact.kafka.startup-timeout-ms", "20000");
        long t0 = System.nanoTime();
        try {
            assertThatThrownBy(bad::start).rootCause()
                    .hasMessageStartingWith("Kafka: the order journal's admin client could not create the compacted topic '"
                            + bad.topic("journal") + "' at " + broker.bootstrapServers()
                            + " (security.protocol=SASL_PLAINTEXT, sasl.mechanism=SCRAM-SHA-512): not authorised: ")
                    .hasMessageNotContaining(BARE_PASSWORD)
                    .satisfies(e -> System.out.println("SecuredKafkaAclIT: the start said: " + e.getMessage()));
        } finally {
            bad.close();
        }
        System.out.printf("SecuredKafkaAclIT: a user without ACLs refused in %d ms%n", (System.nanoTime() - t0) / 1_000_000);
    }
}
