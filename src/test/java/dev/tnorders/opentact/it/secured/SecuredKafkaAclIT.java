package dev.tnorders.opentact.it.secured;

import java.util.Properties;

import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.tnorders.opentact.it.RunningApp;
import dev.tnorders.opentact.it.SandboxAndApp;
import dev.tnorders.opentact.it.SecuredKafka;
import dev.tnorders.opentact.standalone.EmbeddedKafkaBroker;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The SASL broker of {@link SecuredKafkaIT} with Kafka's StandardAuthorizer on and
 * {@code allow.everyone.if.no.acl.found=false} (its default): the app's user holds exactly the ACLs
 * docs/secured-kafka.md lists ({@link RequiredAcls}: literal topic names, the prefixes the table
 * gives), and the whole flow works; a user without them is refused at start
 * with the reason.
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
        SecuredKafka.awaitLogin(() -> client(BARE_USER, BARE_PASSWORD));
    }

    @AfterAll
    static void stopBroker() throws Exception {
        SecuredKafka.stop(broker, null);
    }

    private static Properties client(String user, String password) {
        return SecuredKafka.scramClient(broker, "SASL_PLAINTEXT", user, password);
    }

    private RunningApp securedApp(String user, String password) {
        return SecuredKafka.scramApp(new RunningApp(work, sandbox.baseUrl(), TOKEN, broker.bootstrapServers()),
                "SASL_PLAINTEXT", user, password);
    }

    @Test
    void withTheListedAclsTheWholeFlowWorks() throws Exception {
        RunningApp configured = securedApp(USER, PASSWORD);
        SecuredKafka.grantRequiredAcls(broker.adminClientProperties(), configured, "User:" + USER);
        app = configured.start();
        SecuredKafka.assertWholeFlow(app, broker.adminClientProperties(), "acl-1", "+12012000021", "+12012000022");
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
