package dev.tnorders.opentact.it.instances;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.tnorders.opentact.it.AppProcess;
import dev.tnorders.opentact.it.Invariants;
import dev.tnorders.opentact.it.SharedKafka;
import dev.tnorders.opentact.it.TopicProbe;
import dev.tnorders.opentact.sandbox.OpentactSandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Several instances in one consumer group, as users run them when one is not enough, bounced the
 * way Kafka's own system tests bounce members: three app JVMs (two consumer threads each) share
 * the requests topic (six partitions) and one inbox, take Kafka requests and CSV files, and
 * meanwhile get killed with SIGKILL at random moments (while orders are placed and followed: the
 * sandbox keeps each order processing long enough for rebalances to land mid-follow), scaled
 * 3 → 1 → 3, and given a burst of Opentact errors that fails polls on several consumers at once.
 * Then the promises ({@link Invariants}): every request exactly one outcome, every number one
 * result, no number in two order POSTs, nothing sold twice, nothing lost.
 *
 * <p>Sizes: {@code -Dmulti.requests} two-number Kafka requests, {@code -Dmulti.rows} CSV rows in
 * {@code -Dmulti.csv-files} files, {@code -Dmulti.kills} kills, {@code -Dmulti.scales} scale
 * changes (3 → 1 → 3 counts two), {@code -Dmulti.seed}. CI runs a small set; {@code -Preliability}
 * at least 20 kills and 3 scale changes over 2,000 numbers.
 */
class MultiInstanceIT {

    private static final Logger LOG = LoggerFactory.getLogger(MultiInstanceIT.class);
    private static final String TOKEN = "multi-" + UUID.randomUUID();
    private static final int INSTANCES = 3;
    private static final Duration WAIT = Duration.ofSeconds(240);

    @TempDir
    Path work;
    private final List<AppProcess> apps = new ArrayList<>();
    private OpentactSandbox sandbox;

    @AfterEach
    void stopAll() throws Exception {
        for (AppProcess a : apps) {
            a.close();
        }
        if (sandbox != null) {
            sandbox.close();
        }
    }

    private AppProcess instance(String prefix, int i, Path inbox, Path outbox) throws Exception {
        return new AppProcess(Path.of("target", "it-logs", prefix + "app" + i + ".log"), List.of())
                .standardEnv(prefix, sandbox.baseUrl(), TOKEN, SharedKafka.bootstrapServers(), inbox, outbox)
                .env("OPENTACT_INBOX_INSTANCE_ID", "app" + i)
                .env("OPENTACT_INBOX_QUIET_MS", "300")
                .env("OPENTACT_INBOX_CHECK_INTERVAL_MS", "100")
                .env("OPENTACT_INBOX_CHUNK_SIZE", "10")
                .env("OPENTACT_INBOX_CLAIM_TIMEOUT_MS", "8000")
                .env("OPENTACT_KAFKA_CONSUMERS", "2")
                .env("OPENTACT_KAFKA_SESSION_TIMEOUT_MS", "6000")
                .env("OPENTACT_KAFKA_MAX_POLL_RECORDS", "10")
                .env("OPENTACT_ORDER_BATCH_WAIT_MS", "100")
                .env("OPENTACT_ORDER_POLL_MAX_INTERVAL_MS", "300")
                // Small batches: many order POSTs to kill in and between.
                .env("OPENTACT_ORDER_BATCH_MAX_NUMBERS", "6")
                // A burst of errors fails polls fast instead of waiting out long retries and pauses.
                .env("OPENTACT_API_RETRIES", "1")
                .env("OPENTACT_API_RETRY_DELAY_MS", "100")
                .env("OPENTACT_INTAKE_OUTAGE_PAUSE_MS", "1000");
    }

    @Test
    void bouncedMembersNothingLostNothingBoughtTwice() throws Exception {
        int requests = Integer.getInteger("multi.requests", 120);
        int rows = Integer.getInteger("multi.rows", 60);
        int csvFiles = Integer.getInteger("multi.csv-files", 3);
        int kills = Integer.getInteger("multi.kills", 3);
        int scales = Integer.getInteger("multi.scales", 2);
        long seed = Long.getLong("multi.seed", System.nanoTime());
        LOG.info("multi-instance test: {} requests, {} rows in {} files, {} kills, {} scale changes, seed {}", requests,
                rows, csvFiles, kills, scales, seed);
        Random random = new Random(seed);

        sandbox = OpentactSandbox.start(0, TOKEN);
        sandbox.setLatency(Duration.ofMillis(5));
        // Orders stay processing a while: kills and rebalances land while they are followed.
        sandbox.setCompletionDelay(Duration.ofMillis(1200));
        sandbox.setBalance(new BigDecimal("1000000.00"));
        String brokers = SharedKafka.bootstrapServers();
        String p = "multi" + UUID.randomUUID().toString().substring(0, 6) + ".";
        TopicProbe.createTopic(brokers, p + "requests", 6);
        Path inbox = Files.createDirectories(work.resolve("inbox"));
        Path outbox = work.resolve("outbox");
        for (int i = 0; i < INSTANCES; i++) {
            apps.add(instance(p, i, inbox, outbox));
        }

        Invariants.Expected expected = new Invariants.Expected();
        List<TopicProbe.Raw> records = new ArrayList<>();
        for (int i = 0; i < requests; i++) {
            long a = 13123000000L + 2L * i;
            String id = "m-" + i;
            expected.kafka(id, a, a + 1);
            records.add(new TopicProbe.Raw(id, ("{\"request_id\":\"" + id + "\",\"tns\":[\"+" + a + "\",\"+" + (a + 1)
                    + "\"]}").getBytes(StandardCharsets.UTF_8)));
        }
        List<String> files = new ArrayList<>();
        for (int f = 0, row = 0; f < csvFiles; f++) {
            StringBuilder csv = new StringBuilder("tn,features\n");
            for (int line = 2; row < rows * (f + 1) / csvFiles; row++, line++) {
                csv.append('+').append(14153000000L + row).append(",voice\n");
                expected.csv("multi-" + f + ".csv", line, 14153000000L + row);
            }
            files.add(csv.toString());
        }
        expected.stockIn(sandbox);
        int totalNumbers = expected.numbers.size();
        AtomicInteger posts = new AtomicInteger();
        sandbox.onOrderPlaced(posts::set);
        long startedAt = System.nanoTime();

        for (AppProcess a : apps) {
            a.start();
        }
        // The numbers sent so far: a wait for more order POSTs also ends once they are all bought.
        AtomicInteger sent = new AtomicInteger();
        // Half of the Kafka requests now, the rest while members come and go.
        TopicProbe.sendAll(brokers, p + "requests", records.subList(0, requests / 2));
        sent.addAndGet(2 * (requests / 2));
        int dropped = 0;
        int killsDone = 0;
        int scalesDone = 0;
        int errorBursts = 0;
        boolean secondHalfSent = false;
        int span = Math.max(2, totalNumbers / 6 / Math.max(1, 2 * (kills + scales + 1)));
        for (int step = 0; step < kills + scales + 1 && sandbox.purchases().size() < totalNumbers; step++) {
            int target = posts.get() + 1 + random.nextInt(span);
            await().atMost(WAIT).until(() -> posts.get() >= target || sandbox.purchases().size() >= sent.get());
            if (dropped < files.size()) {
                sent.addAndGet(rowsIn(files.get(dropped)));
                drop(inbox, "multi-" + dropped + ".csv", files.get(dropped++));
            }
            if (step == 1) {
                sendSecondHalf(brokers, p, records, requests, sent);
                secondHalfSent = true;
            }
            if (step == 2 && errorBursts == 0) {
                // Price calls fail past the retries on whichever consumers are pricing: their polls fail
                // and are read again, while the other consumers' work goes on.
                sandbox.failNext("/rest/order/price", 503, 6);
                errorBursts++;
            }
            if (scalesDone < scales && step % 2 == 1) {
                // 3 -> 1: two members leave at once (one killed, one stopped), the survivor takes all.
                int keep = random.nextInt(INSTANCES);
                for (int i = 0; i < INSTANCES; i++) {
                    if (i != keep) {
                        if (i % 2 == 0) {
                            apps.get(i).kill();
                        } else {
                            apps.get(i).close();
                        }
                    }
                }
                scalesDone++;
                int after = posts.get() + 1 + random.nextInt(span);
                await().atMost(WAIT).until(() -> posts.get() >= after || sandbox.purchases().size() >= sent.get());
                // 1 -> 3
                for (int i = 0; i < INSTANCES; i++) {
                    if (!apps.get(i).isAlive()) {
                        apps.get(i).start();
                    }
                }
                scalesDone++;
            } else if (killsDone < kills) {
                AppProcess victim = apps.get(random.nextInt(INSTANCES));
                victim.kill();
                killsDone++;
                victim.start();
            }
        }
        for (; dropped < files.size(); dropped++) {
            drop(inbox, "multi-" + dropped + ".csv", files.get(dropped));
        }
        if (!secondHalfSent) { // fewer than two steps
            sendSecondHalf(brokers, p, records, requests, sent);
        }
        for (AppProcess a : apps) {
            if (!a.isAlive()) {
                a.start();
            }
        }

        Invariants.Figures f;
        try {
            f = Invariants.check("multi-instance", brokers, p + "outcomes", p + "numbers", expected, sandbox, WAIT);
        } finally {
            // Where the account's calls went (passed or not): prices, order POSTs, follow-up GETs, and
            // reconciliation's searches of orders and leases.
            LOG.info("multi-instance calls: price={} order POST={} order GET={} order search={} lease search={} all={}",
                    sandbox.callTimes("/rest/order/price").size(), sandbox.callTimes("/rest/order").size(),
                    sandbox.callTimesMatching(path -> path.matches("/rest/order/[0-9a-f-]{36}")).size(),
                    sandbox.callTimes("/rest/order/search").size(), sandbox.callTimes("/rest/lease/tn/search").size(),
                    sandbox.callTimes().size());
        }
        LOG.info("multi-instance figures: instances={} kills={} scale changes={} error bursts={} requests={} numbers={} "
                        + "order POSTs={} wall time={} s", INSTANCES, killsDone, scalesDone, errorBursts,
                expected.requests.size(), totalNumbers, posts.get(), (System.nanoTime() - startedAt) / 1_000_000_000L);
        assertThat(killsDone + scalesDone).as("bounces done").isGreaterThanOrEqualTo(Math.min(kills + scales, 1));
        assertThat(sandbox.purchases()).as("every number bought once").hasSize(totalNumbers);
        assertThat(f.outcomeRecords()).allSatisfy(o -> assertThat(o.value()).as(Invariants.name(o))
                .containsEntry("state", "completed"));
    }

    private static void sendSecondHalf(String brokers, String p, List<TopicProbe.Raw> records, int requests,
                                       AtomicInteger sent) throws Exception {
        TopicProbe.sendAll(brokers, p + "requests", records.subList(requests / 2, requests));
        sent.addAndGet(2 * (requests - requests / 2));
    }

    private static int rowsIn(String csv) {
        return (int) csv.lines().skip(1).filter(l -> !l.isBlank()).count();
    }

    private static void drop(Path inbox, String name, String content) throws Exception {
        Path part = inbox.resolve(name + ".part");
        Files.writeString(part, content, StandardCharsets.UTF_8);
        Files.move(part, inbox.resolve(name));
    }

}
