package dev.tnorders.opentact.it.instances;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.tnorders.opentact.it.AppProcess;
import dev.tnorders.opentact.it.Invariants;
import dev.tnorders.opentact.it.SandboxAndAppProcess;
import dev.tnorders.opentact.it.SharedKafka;
import dev.tnorders.opentact.it.TestMode;
import dev.tnorders.opentact.it.TopicProbe;
import dev.tnorders.opentact.sandbox.OpentactSandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Kills the application with SIGKILL at random moments while it orders numbers from Kafka and
 * from a CSV file, half of the kills inside an order POST (the order placed, its answer never
 * sent), restarts it, and then checks the promises: every request exactly one outcome, every
 * number exactly one result, no number sold twice.
 *
 * <p>Sizes: {@code -Dcrash.requests} two-number Kafka requests, {@code -Dcrash.rows} CSV rows in
 * {@code -Dcrash.csv-files} files (one dropped before each restart), {@code -Dcrash.kills} kills,
 * {@code -Dcrash.seed}. CI runs a small subset (4 kills, 80 numbers); the {@code reliability} Maven
 * profile runs 2,100 numbers and 24 kills. The promises are checked by {@link Invariants}.
 */
class CrashRecoveryIT extends SandboxAndAppProcess {

    private static final Logger LOG = LoggerFactory.getLogger(CrashRecoveryIT.class);
    private static final Duration WAIT = Duration.ofSeconds(180);
    private static final int BATCH_MAX_NUMBERS = 6;


    @Test
    void killedAndRestartedNothingLostNothingBoughtTwice() throws Exception {
        int requests = Integer.getInteger("crash.requests", 30);
        int rows = Integer.getInteger("crash.rows", 20);
        int kills = Integer.getInteger("crash.kills", 4);
        int csvFiles = Integer.getInteger("crash.csv-files", 2);
        long seed = Long.getLong("crash.seed", System.nanoTime());
        LOG.info("crash test: {} requests, {} rows in {} files, {} kills, seed {}", requests, rows, csvFiles, kills, seed);
        Random random = new Random(seed);

        String token = "crash-" + UUID.randomUUID();
        sandbox = OpentactSandbox.start(0, token);
        sandbox.setLatency(Duration.ofMillis(5));
        sandbox.setCompletionDelay(Duration.ofMillis(150));
        sandbox.setBalance(new BigDecimal("1000000.00")); // the default 1,000.00 buys ~660 numbers
        String brokers = SharedKafka.bootstrapServers();
        String p = "crash" + UUID.randomUUID().toString().substring(0, 6) + ".";
        Path inbox = work.resolve("inbox");
        Files.createDirectories(inbox);
        app = new AppProcess(Path.of("target", "it-logs", p + "log"), List.of())
                .standardEnv(p, sandbox.baseUrl(), token, brokers, inbox, work.resolve("outbox"))
                .env("OPENTACT_KAFKA_SESSION_TIMEOUT_MS", "6000")
                .env("OPENTACT_ORDER_POLL_MAX_INTERVAL_MS", "200")
                .env("OPENTACT_KAFKA_MAX_POLL_RECORDS", System.getProperty("crash.max-poll-records", "100"))
                // Small batches in batching mode: many order POSTs (2-3 requests each) to kill in
                // and between, instead of one or two 100-number orders for the whole run.
                .env("OPENTACT_ORDER_BATCH_MAX_NUMBERS", String.valueOf(BATCH_MAX_NUMBERS));

        Invariants.Expected expected = new Invariants.Expected();
        List<TopicProbe.Raw> records = new ArrayList<>();
        for (int i = 0; i < requests; i++) {
            long a = 13122000000L + 2L * i;
            String id = "k-" + i;
            expected.kafka(id, a, a + 1);
            records.add(new TopicProbe.Raw(id, ("{\"request_id\":\"" + id + "\",\"tns\":[\"+" + a + "\",\"+" + (a + 1)
                    + "\"]}").getBytes(StandardCharsets.UTF_8)));
        }
        TopicProbe.sendAll(brokers, p + "requests", records);
        // The CSV rows come in several files, dropped one per restart, so that kills also land
        // while a file is being read.
        List<String> files = new ArrayList<>();
        for (int f = 0, row = 0; f < csvFiles; f++) {
            StringBuilder csv = new StringBuilder("tn,features\n");
            String name = "crash-" + f + ".csv";
            for (int line = 2; row < rows * (f + 1) / csvFiles; row++, line++) {
                csv.append("+").append(14152000000L + row).append(",voice\n");
                expected.csv(name, line, 14152000000L + row);
            }
            files.add(csv.toString());
        }
        expected.stockIn(sandbox);
        int totalNumbers = expected.numbers.size();
        // Orders between kills: spread the kills over the run (6..12 for the small CI run per
        // request; in batching mode an order takes up to BATCH_MAX_NUMBERS numbers).
        int expectedPosts = TestMode.batching() ? totalNumbers / BATCH_MAX_NUMBERS : expected.requests.size();
        int span = Math.max(TestMode.batching() ? 2 : 6, expectedPosts / (2 * Math.max(1, kills)));
        Duration drain = Duration.ofSeconds(Math.max(180, expected.requests.size() / 2));
        long startedAt = System.nanoTime();

        AtomicInteger posts = new AtomicInteger();
        int killsDone = 0;
        int dropped = 0;
        for (int k = 0; k < kills && sandbox.purchases().size() < totalNumbers; k++) {
            if (dropped < files.size()) {
                Files.writeString(inbox.resolve("crash-" + dropped + ".csv"), files.get(dropped), StandardCharsets.UTF_8);
                dropped++;
            }
            AtomicBoolean killed = new AtomicBoolean();
            boolean insidePost = k % 2 == 0;
            int target = posts.get() + 1 + random.nextInt(insidePost ? span : 2 * span);
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
                app.kill(); // between POSTs: while following, publishing or reading a file
                killed.set(true);
            }
            killsDone++;
        }
        for (; dropped < files.size(); dropped++) {
            Files.writeString(inbox.resolve("crash-" + dropped + ".csv"), files.get(dropped), StandardCharsets.UTF_8);
        }
        sandbox.onOrderPlaced(posts::set);
        app.start();

        Invariants.Figures f = Invariants.check("crash", brokers, p + "outcomes", p + "numbers", expected, sandbox, drain);
        LOG.info("crash test figures: kills survived={} requests={} numbers={} wall time={} s maxOrderAttempts={}",
                killsDone, expected.requests.size(), totalNumbers, (System.nanoTime() - startedAt) / 1_000_000_000L,
                sandbox.purchases().keySet().stream().mapToInt(sandbox::orderAttempts).max().orElse(0));
        assertThat(killsDone).isGreaterThanOrEqualTo(Math.min(kills, 1));
        assertThat(f.outcomeRecords()).allSatisfy(o -> assertThat(o.value()).as(Invariants.name(o))
                .containsEntry("state", "completed"));
        assertThat(sandbox.purchases()).hasSize(totalNumbers);
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
