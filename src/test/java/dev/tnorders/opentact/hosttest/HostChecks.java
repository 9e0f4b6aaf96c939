package dev.tnorders.opentact.hosttest;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import org.apache.camel.CamelContext;
import org.apache.camel.ServiceStatus;
import org.apache.camel.component.kafka.KafkaComponent;
import org.apache.camel.component.kafka.KafkaConfiguration;
import org.apache.camel.health.HealthCheck;
import org.apache.camel.health.HealthCheckHelper;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;

import dev.tnorders.opentact.config.HostSetup;
import dev.tnorders.opentact.control.IntakeControl;
import dev.tnorders.opentact.kafka.KafkaClientSettings;
import dev.tnorders.opentact.sandbox.OpentactSandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** The checks every host makes on its Camel context, whatever runtime started it. */
public final class HostChecks {

    private static final Duration WAIT = HostDeployment.WAIT;

    private HostChecks() {
    }

    /**
     * The library's routes run in the host's context, named as the host names it, beside the host's own route.
     */
    public static void runsTheLibraryRoutes(CamelContext camel, String contextName, String hostRoute) {
        assertThat(camel.getName()).isEqualTo(contextName);
        assertThat(camel.getStatus()).isEqualTo(ServiceStatus.Started);
        assertThat(camel.getRouteController().getRouteStatus("kafka-intake")).isEqualTo(ServiceStatus.Started);
        assertThat(camel.getRoute("order-lifecycle")).isNotNull();
        assertThat(camel.getRoute(hostRoute)).as("the host's own route").isNotNull();
    }

    /**
     * The deployment's environment variables (CAMEL_COMPONENT_KAFKA_*, OPENTACT_*) reached the kafka
     * component, the bundle's own Kafka clients (journal, requests consumers, health check) and the
     * {{setting:...}} keys: the CSV intake watches the deployment's inbox.
     */
    public static void deploymentSettingsReached(CamelContext camel, String brokers) {
        KafkaConfiguration kafka = camel.getComponent("kafka", KafkaComponent.class).getConfiguration();
        assertThat(kafka.getBrokers()).isEqualTo(brokers);
        assertThat(kafka.getSecurityProtocol()).isEqualTo("PLAINTEXT");
        assertThat(camel.getRegistry().lookupByNameAndType("kafkaClientSettings", KafkaClientSettings.class)
                .clientProperties(null)).containsEntry("bootstrap.servers", brokers)
                .containsEntry("security.protocol", "PLAINTEXT");
        assertThat(camel.resolvePropertyPlaceholders("{{setting:opentact.inbox.dir}}"))
                .isEqualTo(HostDeployment.env("OPENTACT_INBOX_DIR"));
    }

    /** beans.camel.yaml was built once in the host's context (docs/embedding.md, "Why the beans file comes first"). */
    public static void beansBuiltOnce(CamelContext camel) {
        HostSetup setup = camel.getRegistry().lookupByNameAndType("opentactHostSetup", HostSetup.class);
        assertThat(setup.beansBuilt()).as("times beans.camel.yaml was built in this Camel context").isEqualTo(1);
    }

    /**
     * The request was ordered through Opentact once: one completed outcome of one number on
     * {@code <topics>.outcomes}, one ordered number naming it (and its order) on {@code <topics>.numbers},
     * one purchase of the number at the sandbox.
     *
     * @param client a client with rights to read the host's topics
     * @param topics the host's topic names up to the last dot, e.g. {@code crm.opentact}
     * @param tn     the number in E.164, e.g. {@code +12029822917}
     * @return the outcome
     */
    public static Map<String, Object> orderedOnce(Properties client, String topics, String requestId, String tn,
            OpentactSandbox sandbox) throws Exception {
        List<Map<String, Object>> outcomes = HostTopics.read(client, topics + ".outcomes", requestId);
        assertThat(outcomes).hasSize(1);
        assertThat(outcomes.get(0)).containsEntry("state", "completed").containsEntry("numbers_ordered", 1);
        List<Map<String, Object>> numbers = HostTopics.read(client, topics + ".numbers", tn);
        assertThat(numbers).hasSize(1);
        assertThat(numbers.get(0)).containsEntry("state", "ordered").containsEntry("request_id", requestId)
                .containsEntry("order_uuid", outcomes.get(0).get("order_uuid"));
        assertThat(sandbox.purchaseCount(Long.parseLong(tn.substring(1)))).isEqualTo(1);
        return outcomes.get(0);
    }

    /**
     * An operator's resume-intake on the host's control topic resumes the paused intake. The control
     * route starts reading at the latest offset once it has its partitions: the command is sent again
     * (bounded) until the host has acted on one.
     */
    public static void operatorCommandResumesIntake(CamelContext camel, Properties client, String controlTopic) {
        IntakeControl intake = camel.getRegistry().lookupByNameAndType("intakeControl", IntakeControl.class);
        intake.pauseFor("not enough account balance (host test)", 3_600_000);
        await().atMost(WAIT).pollInterval(Duration.ofSeconds(2)).until(() -> {
            HostTopics.send(client, controlTopic, "operator", "{\"command\": \"resume-intake\", \"reason\": \"host test\"}");
            return !intake.isPaused();
        });
        assertThat(camel.getRouteController().getRouteStatus("operator-control")).isEqualTo(ServiceStatus.Started);
    }

    /**
     * The library's own clients (journal, requests consumers, health check) got the secured deployment's
     * settings, the pass-through client property included; and readiness is UP, the Kafka check logging
     * in with them.
     */
    public static void libraryClientsUseTheSecuredSettings(CamelContext camel, SecuredHostDeployment deployment) {
        assertThat(camel.getRegistry().lookupByNameAndType("kafkaClientSettings", KafkaClientSettings.class)
                .clientProperties(null)).extractingByKeys("security.protocol", "ssl.keystore.location", "client.dns.lookup")
                .containsExactly("SASL_SSL", deployment.clientKeystore().toString(), "use_all_dns_ips");
        await().atMost(WAIT).untilAsserted(() -> assertThat(HealthCheckHelper.invokeReadiness(camel))
                .isNotEmpty().allSatisfy(r -> assertThat(r.getState()).as(r.getCheck().getId())
                        .isEqualTo(HealthCheck.State.UP)));
    }

    /**
     * The host's start with a wrong password fails within 20 s (the host sets
     * opentact.kafka.startup-timeout-ms=20000) with the reason and without the password.
     *
     * @param start   starts the host (and stops what started)
     * @param journal the host's journal topic
     */
    public static void wrongPasswordStopsTheStart(String test, ThrowingCallable start, SecuredHostDeployment deployment,
            String journal, String wrongPassword) {
        long t0 = System.nanoTime();
        assertThatThrownBy(start).rootCause()
                .hasMessageStartingWith("Kafka: the order journal's admin client could not create the compacted topic '"
                        + journal + "' at " + deployment.broker().bootstrapServers()
                        + " (security.protocol=SASL_SSL, sasl.mechanism=SCRAM-SHA-512): authentication failed: ")
                .hasMessageNotContaining(wrongPassword);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        System.out.printf("%s: a wrong password stopped the host's start in %d ms%n", test, ms);
        assertThat(ms).isLessThan(20_000);
    }
}
