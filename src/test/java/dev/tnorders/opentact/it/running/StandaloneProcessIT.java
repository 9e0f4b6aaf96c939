package dev.tnorders.opentact.it.running;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import dev.tnorders.opentact.it.AppProcess;
import dev.tnorders.opentact.it.SandboxAndAppProcess;
import dev.tnorders.opentact.it.SharedKafka;
import dev.tnorders.opentact.it.TopicProbe;
import dev.tnorders.opentact.sandbox.OpentactSandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The application as a separate JVM, configured only through the contract's environment
 * variables: proves that each of them takes effect (PRODUCT.md, Configuration).
 */
class StandaloneProcessIT extends SandboxAndAppProcess {

    private static final Duration WAIT = Duration.ofSeconds(90);


    @Test
    void everyContractEnvironmentVariableTakesEffect() throws Exception {
        String token = "env-token-" + UUID.randomUUID();
        sandbox = OpentactSandbox.start(0, token);
        String brokers = SharedKafka.bootstrapServers();
        String p = "env" + UUID.randomUUID().toString().substring(0, 6) + ".";
        Path inbox = work.resolve("in-from-env");
        Path outbox = work.resolve("out-from-env");
        Files.createDirectories(inbox);

        // Kept under target/ so that a failing run can be read afterwards.
        app = new AppProcess(Path.of("target", "it-logs", "standalone-" + p + "log"), List.of())
                .standardEnv(p, sandbox.baseUrl(), token, brokers, inbox, outbox)
                .env("OPENTACT_API_AUTH", "bearer");
        app.start();
        Files.writeString(inbox.resolve("env.csv"), "tn,features\n+1 201 205 0001,voice\nnot-a-number,voice\n",
                StandardCharsets.UTF_8);

        List<TopicProbe.Rec> outcomes = TopicProbe.read(brokers, p + "outcomes", 1, WAIT, Duration.ofSeconds(1));
        assertThat(outcomes).singleElement().satisfies(o -> assertThat(o.value()).containsEntry("state", "completed"));
        assertThat(TopicProbe.read(brokers, p + "numbers", 1, WAIT, Duration.ZERO)).singleElement()
                .satisfies(n -> assertThat(n.key()).isEqualTo("+12012050001"));
        assertThat(TopicProbe.read(brokers, p + "dlq", 1, WAIT, Duration.ZERO)).singleElement()
                .satisfies(d -> assertThat((String) d.get("error")).contains("field 'tn'"));
        await().atMost(WAIT).untilAsserted(() -> {
            assertThat(outbox.resolve("env.csv.rejects.csv")).exists();
            assertThat(outbox.resolve("env.csv.results.csv")).exists();
            assertThat(inbox.resolve(".done")).isDirectory();
        });
        assertThat(sandbox.purchaseCount(12012050001L)).isEqualTo(1);
        // The token went as "Authorization: Bearer", never as the default X-Auth-Token.
        assertThat(sandbox.authFormsSeen()).containsKey("bearer").doesNotContainKey("x-auth-token");

        List<String> lines = Files.readAllLines(app.log());
        assertThat(lines).isNotEmpty().noneMatch(l -> l.contains(token));
        // OPENTACT_TOPICS_CONTROL: the operator command route reads this run's control topic.
        assertThat(lines).anyMatch(l -> l.contains("Started operator-control (kafka://" + p + "control)"));
        assertThat(lines).noneMatch(l -> l.contains("started an embedded single-node Kafka broker"))
                .noneMatch(l -> l.contains("built-in Opentact sandbox"));
    }
}
