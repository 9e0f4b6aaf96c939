package dev.tnorders.opentact.it.files;

import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.tnorders.opentact.intake.FileProgress;
import dev.tnorders.opentact.it.AppProcess;
import dev.tnorders.opentact.it.Invariants;
import dev.tnorders.opentact.it.SandboxAndAppProcess;
import dev.tnorders.opentact.it.SharedKafka;
import dev.tnorders.opentact.it.TopicProbe;
import dev.tnorders.opentact.sandbox.OpentactSandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Every dropped file gets exactly one end record, with its totals, a summary file, and a progress
 * the management endpoint shows, with two instances: a large file whose reader (also the end
 * tracker and the results writer: the only instance then) is killed with SIGKILL half-way through
 * reading it and taken over by the other, a file whose every row is rejected, and a small one.
 * {@code -Dfileends.rows} sets the large file's rows (default 400; {@code -Preliability}: 5,000).
 */
class FileEndsIT extends SandboxAndAppProcess {

    private static final Logger LOG = LoggerFactory.getLogger(FileEndsIT.class);
    private static final Duration WAIT = Duration.ofSeconds(240);
    private static final String TOKEN = "file-ends-token";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int ROWS = Integer.getInteger("fileends.rows", 400);

    private AppProcess second;
    private AppProcess third;
    private final AtomicBoolean watching = new AtomicBoolean(true);
    /** Per file name, the states the endpoints showed it in. */
    private final Map<String, Set<String>> seen = new ConcurrentHashMap<>();
    private Thread watcher;

    @AfterEach
    void stopOthers() throws Exception {
        watching.set(false);
        if (watcher != null) {
            watcher.join(5000);
        }
        if (second != null) {
            second.close();
        }
        if (third != null) {
            third.close();
        }
    }

    private AppProcess instance(String prefix, String id, Path inbox, Path outbox) throws Exception {
        return instance(prefix, id, id, inbox, outbox);
    }

    private AppProcess instance(String prefix, String id, String logName, Path inbox, Path outbox) throws Exception {
        return new AppProcess(Path.of("target", "it-logs", prefix + logName + ".log"), List.of())
                .standardEnv(prefix, sandbox.baseUrl(), TOKEN, SharedKafka.bootstrapServers(), inbox, outbox)
                .env("OPENTACT_INBOX_INSTANCE_ID", id)
                .env("OPENTACT_KAFKA_TRANSACTIONAL_ID", prefix + id + UUID.randomUUID())
                .env("OPENTACT_INBOX_QUIET_MS", "300")
                .env("OPENTACT_INBOX_CHECK_INTERVAL_MS", "100")
                // Small chunks: the large file takes a few seconds to read (it is killed half-way).
                .env("OPENTACT_INBOX_CHUNK_SIZE", "5")
                .env("OPENTACT_INBOX_CLAIM_TIMEOUT_MS", "3000")
                .env("OPENTACT_KAFKA_SESSION_TIMEOUT_MS", "6000")
                .env("OPENTACT_FILES_PROGRESS_INTERVAL_MS", "2000")
                // No spending budget: at the reliability size (5,000 rows) the default file budget
                // (2,500.00) rejected half of the big file, and the test counts every row ordered.
                .env("OPENTACT_BUDGET_FILE_NRC", "none")
                .env("OPENTACT_BUDGET_DAILY_NRC", "none");
    }

    @Test
    void oneEndPerFileWithItsTotalsAlsoWhenItsReaderIsKilled() throws Exception {
        sandbox = OpentactSandbox.start(0, TOKEN);
        sandbox.setCompletionDelay(Duration.ofMillis(20));
        sandbox.setBalance(new BigDecimal("1000000.00"));
        String p = "fileends" + UUID.randomUUID().toString().substring(0, 6) + ".";
        Path inbox = Files.createDirectories(work.resolve("inbox"));
        Path outbox = work.resolve("outbox");

        Invariants.Expected expected = new Invariants.Expected();
        long tn = 14157000000L;
        StringBuilder big = new StringBuilder("tn,features\n");
        int bigBad = 0;
        for (int i = 1; i <= ROWS; i++) {
            if (i % 50 == 0) {
                big.append("bad-").append(i).append(",voice\n");
                bigBad++;
            } else {
                big.append('+').append(tn).append(",voice\n");
                expected.csv("big.csv", i + 1, tn++);
            }
        }
        StringBuilder small = new StringBuilder("tn\n");
        for (int i = 1; i <= 40; i++) {
            if (i % 20 == 0) {
                small.append("not-a-number\n");
            } else {
                small.append('+').append(tn).append('\n');
                expected.csv("small.csv", i + 1, tn++);
            }
        }
        StringBuilder allBad = new StringBuilder("tn,features\n");
        for (int i = 1; i <= 200; i++) {
            allBad.append("nope-").append(i).append(",voice\n");
        }
        expected.stockIn(sandbox);
        Map<String, long[]> want = Map.of( // rows, requests, rows rejected
                "big.csv", new long[] {ROWS, ROWS - bigBad, bigBad},
                "small.csv", new long[] {40, 38, 2},
                "all-bad.csv", new long[] {200, 0, 200});

        app = instance(p, "one", inbox, outbox);
        second = instance(p, "two", inbox, outbox);
        app.start();
        await().atMost(WAIT).until(() -> Files.exists(inbox.resolve(".claimed/one/.heartbeat")));
        watch(List.of(app, second));

        // The large file, read by the only instance: killed half-way through reading it.
        drop(inbox, "big.csv", big.toString());
        Path progress = inbox.resolve(".claimed/one/.big.csv.progress");
        await().atMost(WAIT).pollInterval(Duration.ofMillis(10)).until(() -> {
            FileProgress saved = FileProgress
                    .parse(Files.exists(progress) ? Files.readString(progress) : null);
            return saved != null && saved.items() >= ROWS / 5 && seen.containsKey("big.csv");
        });
        app.kill();
        assertThat(inbox.resolve(".claimed/one/big.csv")).as("killed half-way through the file").exists();
        LOG.info("file ends: the reader of big.csv killed; the endpoint showed {}", seen);

        // The other takes it over; the two other files come; the killed instance comes back as a third JVM.
        second.start();
        drop(inbox, "small.csv", small.toString());
        drop(inbox, "all-bad.csv", allBad.toString());
        await().atMost(WAIT).until(() -> !Files.exists(inbox.resolve(".claimed/one/big.csv")));
        third = instance(p, "one", "one-again", inbox, outbox);
        third.start();

        await().atMost(WAIT).until(() -> filesIn(inbox.resolve(".done")) == 3);
        List<TopicProbe.Rec> ends = TopicProbe.read(SharedKafka.bootstrapServers(), p + "files", 3, WAIT,
                Duration.ofSeconds(5));
        LOG.info("file ends: {}", ends);
        assertThat(ends).as("one end record per file drop").hasSize(3);
        Map<String, TopicProbe.Rec> byFile = new HashMap<>();
        for (TopicProbe.Rec e : ends) {
            assertThat(byFile.put((String) e.get("file"), e)).as("a second end of " + e.get("file")).isNull();
            assertThat(e.key()).isEqualTo(e.get("file_id")).startsWith(e.get("file") + "@");
        }
        assertThat(byFile).containsOnlyKeys(want.keySet());

        // What was bought, per file, from the outcomes.
        List<TopicProbe.Rec> outcomes = TopicProbe.read(SharedKafka.bootstrapServers(), p + "outcomes",
                expected.requests.size(), WAIT, Duration.ofSeconds(1));
        assertThat(outcomes).hasSize(expected.requests.size());
        Map<String, BigDecimal> nrc = new HashMap<>();
        for (TopicProbe.Rec o : outcomes) {
            Map<String, Object> price = o.map("price");
            if (((Number) o.get("numbers_ordered")).intValue() > 0 && price != null && price.get("nrc") != null) {
                nrc.merge((String) o.map("source").get("file"), new BigDecimal((String) price.get("nrc")), BigDecimal::add);
            }
        }
        for (Map.Entry<String, long[]> w : want.entrySet()) {
            TopicProbe.Rec e = byFile.get(w.getKey());
            String f = w.getKey();
            assertThat(((Number) e.get("rows")).longValue()).as(f + " rows").isEqualTo(w.getValue()[0]);
            assertThat(((Number) e.get("requests")).longValue()).as(f + " requests").isEqualTo(w.getValue()[1]);
            assertThat(((Number) e.get("ordered")).longValue()).as(f + " ordered").isEqualTo(w.getValue()[1]);
            assertThat(((Number) e.get("failed")).longValue()).as(f + " failed").isZero();
            assertThat(((Number) e.get("rejected")).longValue()).as(f + " rejected").isZero();
            assertThat(((Number) e.get("unknown")).longValue()).as(f + " unknown").isZero();
            assertThat(((Number) e.get("rows_rejected")).longValue()).as(f + " rows rejected").isEqualTo(w.getValue()[2]);
            assertThat(new BigDecimal((String) e.get("bought_nrc"))).as(f + " bought")
                    .isEqualByComparingTo(nrc.getOrDefault(f, BigDecimal.ZERO));
            assertThat(e.get("rejects_file")).isEqualTo(outbox.resolve(f + ".rejects.csv").toString());
            assertThat(e.get("results_file")).isEqualTo(w.getValue()[1] == 0 ? null
                    : outbox.resolve(f + ".results.csv").toString());
            assertThat(Instant(e.get("ended_at"))).isAfterOrEqualTo(Instant(e.get("taken_at")));
            // The summary file says the same.
            Map<String, Object> summary = JSON.readValue(outbox.resolve(f + ".summary.json").toFile(),
                    new TypeReference<Map<String, Object>>() { });
            assertThat(summary).isEqualTo(e.value());
        }
        assertThat(new BigDecimal((String) byFile.get("big.csv").get("bought_nrc"))).isPositive();

        // The same content as small.csv dropped again under another name: the same request ids, nothing
        // ordered again and no outcome of its own; it ends all the same, saying which drop it repeats.
        drop(inbox, "small-again.csv", small.toString());
        List<TopicProbe.Rec> four = TopicProbe.read(SharedKafka.bootstrapServers(), p + "files", 4,
                Duration.ofSeconds(60), Duration.ofSeconds(2));
        LOG.info("file ends: with the repeat {}", four);
        assertThat(four).as("an end for the repeat too, and no second end of the others").hasSize(4);
        TopicProbe.Rec again = four.stream().filter(e -> "small-again.csv".equals(e.get("file"))).findFirst()
                .orElseThrow();
        assertThat(again.get("repeat_of")).isEqualTo(byFile.get("small.csv").get("file_id"));
        assertThat(((Number) again.get("requests")).longValue()).isEqualTo(38);
        assertThat(((Number) again.get("requests_repeated")).longValue()).isEqualTo(38);
        assertThat(((Number) again.get("ordered")).longValue()).isZero();
        assertThat(((Number) again.get("rows_rejected")).longValue()).isEqualTo(2);
        assertThat(again.get("results_file")).isNull();
        assertThat(TopicProbe.read(SharedKafka.bootstrapServers(), p + "outcomes", expected.requests.size(), WAIT,
                Duration.ofSeconds(3))).as("no outcome for the repeat")
                .hasSize(expected.requests.size());

        // The endpoint showed each file in progress, then ended.
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(seen).allSatisfy((f, states) ->
                assertThat(states).as(f).contains("ended")));
        LOG.info("file ends: the endpoints showed {}", seen);
        for (String f : want.keySet()) {
            assertThat(seen.get(f)).as(f + " on the endpoint").contains("ended")
                    .containsAnyOf("reading", "ordering");
        }
        // One end line per file, over all the logs.
        String logs = Files.readString(app.log()) + Files.readString(second.log()) + Files.readString(third.log());
        for (String f : want.keySet()) {
            assertThat(logs.split(Pattern.quote(f + ": done in "), -1)).as(f + " end lines").hasSize(2);
        }
    }

    private static Instant Instant(Object text) {
        return Instant.parse((String) text);
    }

    /** Polls the endpoints of these instances (those running) every 50 ms, noting each file's states. */
    private void watch(List<AppProcess> instances) {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        watcher = new Thread(() -> {
            while (watching.get()) {
                for (AppProcess a : new ArrayList<>(instances)) {
                    if (!a.isAlive()) {
                        continue;
                    }
                    note(http, a.managementPort());
                }
                if (third != null && third.isAlive()) {
                    note(http, third.managementPort());
                }
                try {
                    Thread.sleep(50); // the pace of the poll, not a wait for a condition
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "file-ends-watcher");
        watcher.setDaemon(true);
        watcher.start();
    }

    private void note(HttpClient http, int port) {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                    + "/observe/files")).timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                return;
            }
            for (Map<String, Object> f : JSON.readValue(r.body(), new TypeReference<List<Map<String, Object>>>() { })) {
                seen.computeIfAbsent((String) f.get("file"), k -> ConcurrentHashMap.newKeySet()).add((String) f.get("state"));
            }
        } catch (Exception e) {
            // not up yet, or killed
        }
    }

    private static void drop(Path inbox, String name, String content) throws Exception {
        Path part = inbox.resolve(name + ".part");
        Files.writeString(part, content, StandardCharsets.UTF_8);
        Files.move(part, inbox.resolve(name));
    }

    private static long filesIn(Path dir) throws Exception {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(Files::isRegularFile).count();
        }
    }
}
