package dev.tnorders.opentact.it.instances;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.tnorders.opentact.it.AppProcess;
import dev.tnorders.opentact.it.Invariants;
import dev.tnorders.opentact.it.SandboxAndAppProcess;
import dev.tnorders.opentact.it.TestMode;
import dev.tnorders.opentact.it.TopicProbe;
import dev.tnorders.opentact.sandbox.OpentactSandbox;
import dev.tnorders.opentact.standalone.EmbeddedKafkaBroker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The Kafka broker stops in the middle of a run (requests from Kafka and a CSV file) and starts
 * again on the same port and data directory, {@code -Dbroker.restarts} times. A broker of its
 * own (not the shared one), and the app as its own JVM.
 */
class BrokerRestartIT extends SandboxAndAppProcess {

    private static final Logger LOG = LoggerFactory.getLogger(BrokerRestartIT.class);
    private static final Duration WAIT = Duration.ofSeconds(180);

    private EmbeddedKafkaBroker broker;

    @AfterEach
    void stopBroker() throws Exception {
        if (app != null) {
            app.close(); // before its broker goes; closing it again afterwards does nothing
        }
        if (broker != null) {
            broker.close();
        }
    }

    private static final int BATCH_MAX_NUMBERS = 6;

    @Test
    void theBrokerGoesAwayAndComesBackNothingLostNothingBoughtTwice() throws Exception {
        int requests = Integer.getInteger("broker.requests", 40);
        int rows = Integer.getInteger("broker.rows", 20);
        int restarts = Integer.getInteger("broker.restarts", 2);
        Path kafkaDir = work.resolve("kafka");
        broker = EmbeddedKafkaBroker.start(kafkaDir, false);
        String brokers = broker.bootstrapServers();
        String token = "broker-" + UUID.randomUUID();
        sandbox = OpentactSandbox.start(0, token);
        sandbox.setCompletionDelay(Duration.ofMillis(150));
        String p = "bounce.";
        Path inbox = work.resolve("inbox");
        Files.createDirectories(inbox);
        app = new AppProcess(Path.of("target", "it-logs", "broker-restart-" + UUID.randomUUID().toString().substring(0, 6)
                + ".log"), List.of())
                .standardEnv(p, sandbox.baseUrl(), token, brokers, inbox, work.resolve("outbox"))
                .env("OPENTACT_KAFKA_SESSION_TIMEOUT_MS", "10000")
                .env("OPENTACT_INBOX_QUIET_MS", "300")
                .env("OPENTACT_ORDER_POLL_MAX_INTERVAL_MS", "200")
                // Small batches in batching mode: many orders, so the broker goes away mid-run.
                .env("OPENTACT_ORDER_BATCH_MAX_NUMBERS", String.valueOf(BATCH_MAX_NUMBERS));

        Invariants.Expected expected = new Invariants.Expected();
        for (int i = 0; i < requests; i++) {
            long a = 12122050000L + 2L * i;
            expected.kafka("b-" + i, a, a + 1);
            TopicProbe.send(brokers, p + "requests", "b-" + i,
                    "{\"request_id\":\"b-" + i + "\",\"tns\":[\"+" + a + "\",\"+" + (a + 1) + "\"]}");
        }
        StringBuilder csv = new StringBuilder("tn\n");
        for (int j = 0; j < rows; j++) {
            csv.append("+").append(12122060000L + j).append('\n');
            expected.csv("bounce.csv", j + 2, 12122060000L + j);
        }
        app.start();
        Files.writeString(inbox.resolve("bounce.csv"), csv, StandardCharsets.UTF_8);

        int done = 0;
        int expectedOrders = TestMode.batching() ? (2 * requests + rows) / BATCH_MAX_NUMBERS : requests + rows;
        int step = Math.max(1, expectedOrders / (restarts + 2));
        for (int r = 0; r < restarts; r++) {
            int mark = (r + 1) * step;
            await().atMost(WAIT).until(() -> sandbox.orderCount() >= mark);
            LOG.info("stopping the broker after {} orders", sandbox.orderCount());
            broker.close();
            // While the broker is away, the app must hold: no new order (its journal entry cannot be written).
            await().atMost(Duration.ofSeconds(30)).during(Duration.ofSeconds(3)).until(new Callable<>() {
                int last = -1;

                @Override
                public Boolean call() {
                    int now = sandbox.orderCount();
                    boolean same = now == last;
                    last = now;
                    return same;
                }
            });
            broker = EmbeddedKafkaBroker.start(kafkaDir, false);
            assertThat(broker.bootstrapServers()).isEqualTo(brokers);
            LOG.info("broker started again on {}", brokers);
            done++;
        }

        Invariants.check("broker-restart", brokers, p + "outcomes", p + "numbers", expected, sandbox, WAIT)
                .outcomeRecords().forEach(o -> assertThat(o.get("state")).as(Invariants.name(o)).isEqualTo("completed"));
        LOG.info("broker-restart figures: restarts={} requests={} numbers={}", done, expected.requests.size(),
                expected.numbers.size());
        assertThat(done).isEqualTo(restarts);
    }
}
