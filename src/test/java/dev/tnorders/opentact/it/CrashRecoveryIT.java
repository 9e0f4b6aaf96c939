package dev.tnorders.opentact.it;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.tnorders.opentact.sandbox.OpentactSandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Kills the application with SIGKILL at random moments while it orders numbers from Kafka and
 * from a CSV file, half of the kills inside an order POST (the order placed, its answer never
 * sent), restarts it, and then checks the promises: every request exactly one outcome, every
 * number exactly one result, no number sold twice.
 *
 * <p>Sizes: {@code -Dcrash.requests} two-number Kafka requests, {@code -Dcrash.rows} CSV rows,
 * {@code -Dcrash.kills} kills, {@code -Dcrash.seed}. CI runs a small subset; the
 * {@code reliability} Maven profile runs at least 500 numbers and 10 kills.
 */
class CrashRecoveryIT {

    private static final Logger LOG = LoggerFactory.getLogger(CrashRecoveryIT.class);
    private static final Duration WAIT = Duration.ofSeconds(180);

    @TempDir
    Path work;
    private AppProcess app;
    private OpentactSandbox sandbox;

    @AfterEach
    void stop() throws Exception {
        if (app != null) {
            app.close();
        }
        if (sandbox != null) {
            sandbox.close();
        }
    }

    @Test
    void killedAndRestartedNothingLostNothingBoughtTwice() throws Exception {
        int requests = Integer.getInteger("crash.requests", 30);
        int rows = Integer.getInteger("crash.rows", 20);
        int kills = Integer.getInteger("crash.kills", 4);
        long seed = Long.getLong("crash.seed", System.nanoTime());
        LOG.info("crash test: {} requests, {} rows, {} kills, seed {}", requests, rows, kills, seed);
        Random random = new Random(seed);

        String token = "crash-" + UUID.randomUUID();
        sandbox = OpentactSandbox.start(0, token);
        sandbox.setLatency(Duration.ofMillis(5));
        sandbox.setCompletionDelay(Duration.ofMillis(150));
        String brokers = SharedKafka.bootstrapServers();
        String p = "crash" + UUID.randomUUID().toString().substring(0, 6) + ".";
        Path inbox = work.resolve("inbox");
        Files.createDirectories(inbox);
        app = new AppProcess(Path.of("target", "it-logs", p + "log"), List.of())
                .standardEnv(p, sandbox.baseUrl(), token, brokers, inbox, work.resolve("outbox"))
                .env("OPENTACT_KAFKA_SESSION_TIMEOUT_MS", "6000")
                .env("OPENTACT_ORDER_POLL_MAX_INTERVAL_MS", "200")
                .env("OPENTACT_ORDER_BATCHING", System.getProperty("crash.batching", "false"))
                .env("OPENTACT_KAFKA_MAX_POLL_RECORDS", System.getProperty("crash.max-poll-records", "100"));

        Map<Long, String> expected = new HashMap<>(); // number -> request id
        for (int i = 0; i < requests; i++) {
            long a = 13122000000L + 2L * i;
            String id = "k-" + i;
            expected.put(a, id);
            expected.put(a + 1, id);
            TopicProbe.send(brokers, p + "requests", id,
                    "{\"request_id\":\"" + id + "\",\"tns\":[\"+" + a + "\",\"+" + (a + 1) + "\"]}");
        }
        StringBuilder csv = new StringBuilder("tn,features\n");
        for (int j = 0; j < rows; j++) {
            csv.append("+").append(14152000000L + j).append(",voice\n");
        }
        Files.writeString(inbox.resolve("crash.csv"), csv, StandardCharsets.UTF_8);
        int totalNumbers = expected.size() + rows;

        AtomicInteger posts = new AtomicInteger();
        int killsDone = 0;
        for (int k = 0; k < kills && sandbox.purchases().size() < totalNumbers; k++) {
            AtomicBoolean killed = new AtomicBoolean();
            boolean insidePost = k % 2 == 0;
            int target = posts.get() + 1 + random.nextInt(insidePost ? 6 : 12);
            sandbox.onOrderPlaced(n -> {
                posts.set(n);
                if (insidePost && n >= target && killed.compareAndSet(false, true)) {
                    killQuietly();
                }
            });
            app.start();
            await().atMost(WAIT).until(() -> killed.get() || posts.get() >= target
                    || sandbox.purchases().size() >= totalNumbers);
            if (!killed.get()) {
                app.kill(); // between POSTs: while following, publishing or reading the file
                killed.set(true);
            }
            killsDone++;
        }
        sandbox.onOrderPlaced(posts::set);
        app.start();

        int totalRequests = requests + rows;
        List<TopicProbe.Rec> outcomes = TopicProbe.read(brokers, p + "outcomes", totalRequests, WAIT, Duration.ofSeconds(3));
        List<TopicProbe.Rec> numbers = TopicProbe.read(brokers, p + "numbers", totalNumbers, WAIT, Duration.ofSeconds(1));

        Map<String, Long> outcomesPerRequest = count(outcomes);
        Map<String, Long> resultsPerNumber = count(numbers);
        long duplicatesSold = sandbox.purchases().values().stream().filter(n -> n > 1).count();
        LOG.info("crash test figures: kills={} outcomes={} (requests {}) numberResults={} (numbers {}) sold={} "
                        + "soldTwice={} maxOrderAttempts={}", killsDone, outcomes.size(), totalRequests, numbers.size(),
                totalNumbers, sandbox.purchases().size(), duplicatesSold,
                expected.keySet().stream().mapToInt(sandbox::orderAttempts).max().orElse(0));

        assertThat(killsDone).isGreaterThanOrEqualTo(Math.min(kills, 1));
        assertThat(outcomesPerRequest).hasSize(totalRequests).allSatisfy((id, n) -> assertThat(n).as(id).isEqualTo(1));
        assertThat(outcomes).allSatisfy(o -> assertThat(o.value()).containsEntry("state", "completed"));
        assertThat(resultsPerNumber).hasSize(totalNumbers).allSatisfy((tn, n) -> assertThat(n).as(tn).isEqualTo(1));
        assertThat(duplicatesSold).isZero();
        assertThat(sandbox.purchases()).hasSize(totalNumbers);
        expected.forEach((tn, id) -> assertThat(sandbox.purchaseCount(tn)).as("+" + tn).isEqualTo(1));
    }

    private void killQuietly() {
        try {
            app.kill();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static Map<String, Long> count(List<TopicProbe.Rec> records) {
        Map<String, Long> counts = new HashMap<>();
        records.forEach(r -> counts.merge(r.key(), 1L, Long::sum));
        return counts;
    }
}
