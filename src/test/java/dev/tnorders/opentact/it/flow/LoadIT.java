package dev.tnorders.opentact.it.flow;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.LongStream;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
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
 * Requests offered at 10 times the rate the app completes them (measured in a warm-up), for
 * {@code -Dload.seconds} (CI: a few seconds; the reliability profile: 30 s), from Kafka and a CSV
 * file. The backlog must wait in Kafka (back-pressure) instead of failing requests, and the app's
 * heap (sampled every second with jcmd, in a JVM capped at {@code -Xmx128m}) must stay bounded.
 */
class LoadIT extends SandboxAndAppProcess {

    private static final Logger LOG = LoggerFactory.getLogger(LoadIT.class);
    private static final Pattern HEAP_USED = Pattern.compile("total (\\d+)K, used (\\d+)K");
    private static final int HEAP_CAP_MB = 128;

    private ScheduledExecutorService sampler;

    @AfterEach
    void stopSampler() {
        if (sampler != null) {
            sampler.shutdownNow();
        }
    }

    @Test
    void tenTimesTheRateIsHeldBackNotFailedAndMemoryStaysBounded() throws Exception {
        int seconds = Integer.getInteger("load.seconds", 3);
        int factor = Integer.getInteger("load.factor", 10);
        String token = "load-" + UUID.randomUUID();
        sandbox = OpentactSandbox.start(0, token);
        sandbox.setCompletionDelay(Duration.ofMillis(100));
        sandbox.setBalance(new BigDecimal("1000000.00"));
        String brokers = SharedKafka.bootstrapServers();
        String p = "load" + UUID.randomUUID().toString().substring(0, 6) + ".";
        Path inbox = work.resolve("inbox");
        Files.createDirectories(inbox);
        app = new AppProcess(Path.of("target", "it-logs", p + "log"), List.of("-Xmx" + HEAP_CAP_MB + "m"))
                .standardEnv(p, sandbox.baseUrl(), token, brokers, inbox, work.resolve("outbox"))
                .env("OPENTACT_INBOX_QUIET_MS", "300")
                .env("OPENTACT_ORDER_POLL_MAX_INTERVAL_MS", "200")
                // At batching mode's pace the load spends more than the default budgets allow;
                // budgets are SpendingGuardsIT's subject, here every request must complete.
                .env("OPENTACT_BUDGET_DAILY_NRC", "none")
                .env("OPENTACT_BUDGET_FILE_NRC", "none");
        Invariants.Expected expected = new Invariants.Expected();
        long next = 12012000000L;

        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, brokers);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(props)) {
            // Warm-up: the rate at which this app completes requests here. Per request, 20 requests
            // one after the other show it; in batching mode the pace depends on how full the polls
            // are, so the warm-up is a backlog of five full polls (max-poll-records 100).
            int warmup = TestMode.batching() ? 500 : 20;
            for (int i = 0; i < warmup; i++) {
                next = send(producer, p, expected, "w-" + i, next);
            }
            producer.flush();
            app.start();
            ConcurrentLinkedQueue<Long> heapUsedKb = new ConcurrentLinkedQueue<>();
            sampler = Executors.newSingleThreadScheduledExecutor();
            sampler.scheduleAtFixedRate(() -> sampleHeap(heapUsedKb), 1, 1, TimeUnit.SECONDS);
            List<TopicProbe.Rec> warm = TopicProbe.read(brokers, p + "outcomes", warmup, Duration.ofSeconds(120), Duration.ZERO);
            assertThat(warm).hasSize(warmup);
            // From the first request taken in to the last one completed: the app's own pace, start-up
            // excluded (a batch's requests complete together, so the first completion is no start).
            Instant firstIn = warm.stream().map(o -> Instant.parse((String) o.get("received_at")))
                    .min(Comparator.naturalOrder()).orElseThrow();
            Instant lastDone = warm.stream().map(o -> Instant.parse((String) o.get("completed_at")))
                    .max(Comparator.naturalOrder()).orElseThrow();
            double rate = warmup / Math.max(0.001, Duration.between(firstIn, lastDone).toMillis() / 1000.0);
            double offered = rate * factor;
            LOG.info("load: the app completes {} requests/s; offering {} requests/s for {} s", String.format("%.1f", rate),
                    String.format("%.1f", offered), seconds);

            // Load: a tenth of a second at a time, for a bounded time; a CSV file takes a fifth.
            int total = (int) Math.ceil(offered * seconds);
            int csvRows = total / 5;
            StringBuilder csv = new StringBuilder("tn\n");
            for (int r = 0; r < csvRows; r++) {
                csv.append('+').append(next).append('\n');
                expected.csv("load.csv", r + 2, next++);
            }
            Files.writeString(inbox.resolve("load.csv"), csv, StandardCharsets.UTF_8);
            int kafka = total - csvRows;
            // Stock for every number this run can ask for (the sandbox holds only lines 0000-0999 of each exchange).
            sandbox.addInventory(LongStream.range(12012000000L, next + kafka).toArray());
            long loadStart = System.nanoTime();
            AtomicInteger sent = new AtomicInteger();
            AtomicLong tns = new AtomicLong(next);
            AtomicInteger tick = new AtomicInteger();
            ScheduledExecutorService pacer = Executors.newSingleThreadScheduledExecutor();
            try {
                // One tick every tenth of a second sends what is due by then.
                pacer.scheduleAtFixedRate(() -> {
                    int due = Math.min(kafka, (int) Math.ceil(kafka * tick.incrementAndGet() / (seconds * 10.0)));
                    while (sent.get() < due) {
                        tns.set(send(producer, p, expected, "l-" + sent.getAndIncrement(), tns.get()));
                    }
                    producer.flush();
                }, 0, 100, TimeUnit.MILLISECONDS);
                await().atMost(Duration.ofSeconds(seconds + 30L)).until(() -> sent.get() >= kafka);
            } finally {
                pacer.shutdownNow();
                pacer.awaitTermination(10, TimeUnit.SECONDS);
            }
            double loadSeconds = (System.nanoTime() - loadStart) / 1e9;
            int doneAtEnd = TopicProbe.read(brokers, p + "outcomes", Integer.MAX_VALUE, Duration.ofSeconds(2),
                    Duration.ZERO).size();
            int backlog = expected.requests.size() - doneAtEnd;

            Invariants.Figures f = Invariants.check("load", brokers, p + "outcomes", p + "numbers", expected, sandbox,
                    Duration.ofSeconds(Math.max(180, (long) (3 * expected.requests.size() / rate))));
            sampler.shutdownNow();
            assertThat(f.outcomeRecords()).allSatisfy(o -> assertThat(o.get("state")).as(Invariants.name(o))
                    .isEqualTo("completed"));
            assertThat(app.isAlive()).as("the app survived the load").isTrue();
            assertThat(Files.readString(app.log())).doesNotContain("OutOfMemoryError");
            long maxUsedKb = heapUsedKb.stream().mapToLong(Long::longValue).max().orElse(-1);
            assertThat(heapUsedKb).as("heap samples").hasSizeGreaterThan(2);
            assertThat(maxUsedKb).as("most heap used, KB").isLessThan(HEAP_CAP_MB * 1024L * 9 / 10);
            assertThat(backlog).as("requests still waiting in Kafka when the load ended (held, not failed)")
                    .isGreaterThan(0);
            LOG.info("load figures: offered {} requests ({} kafka + {} csv) in {} s at {}x the completion rate; backlog "
                            + "at the end of the load {}; all {} completed, none failed or rejected; heap max {} MB "
                            + "of {} MB ({} samples)", total, kafka, csvRows, String.format("%.1f", loadSeconds), factor,
                    backlog, f.outcomes(), maxUsedKb / 1024, HEAP_CAP_MB, heapUsedKb.size());
        }
    }

    private static long send(KafkaProducer<String, String> producer, String p, Invariants.Expected expected, String id,
                             long tn) {
        synchronized (expected) {
            expected.kafka(id, tn);
        }
        producer.send(new ProducerRecord<>(p + "requests", id, "{\"request_id\":\"" + id + "\",\"tns\":[\"+" + tn + "\"]}"));
        return tn + 1;
    }

    /** Heap in use by the app, as its JVM reports it (jcmd GC.heap_info). */
    private void sampleHeap(ConcurrentLinkedQueue<Long> samples) {
        try {
            Process jcmd = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                    Long.toString(app.pid()), "GC.heap_info").redirectErrorStream(true).start();
            String out = new String(jcmd.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (jcmd.waitFor(10, TimeUnit.SECONDS)) {
                Matcher m = HEAP_USED.matcher(out);
                if (m.find()) {
                    samples.add(Long.parseLong(m.group(2)));
                }
            }
        } catch (Exception e) {
            LOG.warn("heap sample failed: {}", e.toString());
        }
    }
}
