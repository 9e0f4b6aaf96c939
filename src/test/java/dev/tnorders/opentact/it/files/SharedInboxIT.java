package dev.tnorders.opentact.it.files;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.ConsumerGroupState;
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
 * Two instances (two JVMs, one consumer group, distinct instance ids) watch one inbox and write to
 * one outbox (a shared volume): every file is claimed by exactly one of them, every good row is on
 * the requests topic exactly once, every request gets one outcome, and each results and rejects
 * file holds its header once and each line once.
 */
class SharedInboxIT extends SandboxAndAppProcess {

    private static final Logger LOG = LoggerFactory.getLogger(SharedInboxIT.class);
    private static final Duration WAIT = Duration.ofSeconds(180);
    private static final String TOKEN = "shared-inbox-token";

    private AppProcess second;

    @AfterEach
    void stopSecond() throws Exception {
        if (second != null) {
            second.close();
        }
    }

    private AppProcess instance(String prefix, String id, Path inbox, Path outbox) throws Exception {
        return new AppProcess(Path.of("target", "it-logs", prefix + id + ".log"), List.of())
                .standardEnv(prefix, sandbox.baseUrl(), TOKEN, SharedKafka.bootstrapServers(), inbox, outbox)
                .env("OPENTACT_INBOX_INSTANCE_ID", id)
                // Both JVMs are on this host: each needs its own transactional id too.
                .env("OPENTACT_KAFKA_TRANSACTIONAL_ID", prefix + id)
                .env("OPENTACT_INBOX_QUIET_MS", "300")
                .env("OPENTACT_INBOX_CHECK_INTERVAL_MS", "100")
                .env("OPENTACT_INBOX_CHUNK_SIZE", "7")
                .env("OPENTACT_KAFKA_SESSION_TIMEOUT_MS", "6000");
    }

    /** Writes under a name the inbox does not take, then renames: a complete file appears at once. */
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

    @Test
    void twoInstancesOnOneInboxTakeEachFileOnceAndWriteEachLineOnce() throws Exception {
        int files = 8;
        int rowsPerFile = 15;
        sandbox = OpentactSandbox.start(0, TOKEN);
        sandbox.setCompletionDelay(Duration.ofMillis(50));
        sandbox.setBalance(new BigDecimal("100000.00"));
        String p = "shared" + UUID.randomUUID().toString().substring(0, 6) + ".";
        Path inbox = Files.createDirectories(work.resolve("inbox"));
        Path outbox = work.resolve("outbox");

        Invariants.Expected expected = new Invariants.Expected();
        Map<String, String> contents = new LinkedHashMap<>();
        Map<String, Set<String>> goodTns = new HashMap<>();
        Map<String, Integer> badRows = new HashMap<>();
        long tn = 14155000000L;
        for (int f = 0; f < files; f++) {
            String name = "shared-" + f + ".csv";
            StringBuilder csv = new StringBuilder("tn,features\n");
            for (int line = 2; line < rowsPerFile + 2; line++) {
                if (line % 6 == 0) {
                    csv.append("not-a-number-").append(f).append('-').append(line).append(",voice\n");
                    badRows.merge(name, 1, Integer::sum);
                } else {
                    csv.append('+').append(tn).append(",voice\n");
                    expected.csv(name, line, tn);
                    goodTns.computeIfAbsent(name, k -> new TreeSet<>()).add("+" + tn);
                    tn++;
                }
            }
            contents.put(name, csv.toString());
        }
        expected.stockIn(sandbox);

        app = instance(p, "one", inbox, outbox);
        second = instance(p, "two", inbox, outbox);
        app.start();
        second.start();
        // Both are up (their claim folders and heartbeats are there) before the files come.
        await().atMost(WAIT).until(() -> Files.exists(inbox.resolve(".claimed/one/.heartbeat"))
                && Files.exists(inbox.resolve(".claimed/two/.heartbeat")));
        // And both are in their consumer groups, settled: this test is about the inbox, not about the
        // order pipeline's rebalance when the second instance joins while requests are in flight.
        awaitGroupOfTwo(p + "orders");
        awaitGroupOfTwo(p + "results");
        for (Map.Entry<String, String> e : contents.entrySet()) {
            drop(inbox, e.getKey(), e.getValue());
        }

        await().atMost(WAIT).until(() -> filesIn(inbox.resolve(".done")) == files);

        // Every good row on the requests topic exactly once (key = request id), from its file and line.
        List<TopicProbe.Rec> requests = TopicProbe.read(SharedKafka.bootstrapServers(), p + "requests",
                expected.requests.size(), WAIT, Duration.ofSeconds(3));
        Map<String, Integer> perId = new HashMap<>();
        requests.forEach(r -> perId.merge(r.key(), 1, Integer::sum));
        assertThat(perId).as("records per request id").allSatisfy((id, n) -> assertThat(n).as(id).isEqualTo(1));
        assertThat(requests.stream().map(r -> r.map("source").get("file") + ":" + r.map("source").get("line")).toList())
                .containsExactlyInAnyOrderElementsOf(expected.requests);

        Invariants.check("shared-inbox", SharedKafka.bootstrapServers(), p + "outcomes", p + "numbers", expected,
                sandbox, WAIT);

        // Each results file: its header once, one line per number, each once; the rejects file likewise.
        for (String name : contents.keySet()) {
            Path results = outbox.resolve(name + ".results.csv");
            int want = goodTns.get(name).size() + 1;
            await().atMost(WAIT).until(() -> Files.exists(results) && Files.readAllLines(results).size() >= want);
        }
        // A while longer: no line comes twice (e.g. from a second writer).
        await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(10)).until(() -> true);
        for (String name : contents.keySet()) {
            List<String> lines = Files.readAllLines(outbox.resolve(name + ".results.csv"));
            assertThat(lines).as(name + " results").hasSize(goodTns.get(name).size() + 1).doesNotHaveDuplicates();
            assertThat(lines.get(0)).isEqualTo("request_id,line,tn,state,reason,order_uuid,nrc,mrc");
            assertThat(lines.subList(1, lines.size()).stream().map(l -> l.split(",")[2]).toList())
                    .as(name + " numbers").containsExactlyInAnyOrderElementsOf(goodTns.get(name));
            List<String> rejects = Files.readAllLines(outbox.resolve(name + ".rejects.csv"));
            assertThat(rejects).as(name + " rejects").hasSize(badRows.get(name) + 1).doesNotHaveDuplicates();
            assertThat(rejects.get(0)).isEqualTo("tn,features,reject_reason");
        }

        // Which instance took which file: each exactly once, by one of them.
        Map<String, List<String>> claimedBy = new HashMap<>();
        for (String id : List.of("one", "two")) {
            Path log = id.equals("one") ? app.log() : second.log();
            for (String l : Files.readAllLines(log)) {
                int i = l.indexOf("Claimed order file ");
                if (i >= 0) {
                    claimedBy.computeIfAbsent(l.substring(i + 19).split(" ")[0], k -> new ArrayList<>()).add(id);
                }
            }
        }
        LOG.info("shared inbox: files claimed by {}", claimedBy);
        assertThat(claimedBy).containsOnlyKeys(contents.keySet())
                .allSatisfy((file, by) -> assertThat(by).as(file).hasSize(1));
        // Each holds at most opentact.inbox.claim-max-files (2) at a time: both had work.
        assertThat(claimedBy.values().stream().flatMap(List::stream).distinct()).containsExactlyInAnyOrder("one", "two");
    }

    /**
     * An instance is killed (SIGKILL) half-way through a large file and not started again: the
     * other takes its claim over once its heartbeat has stood still for the claim timeout, and reads
     * the file to its end from where the dead one left it (its saved progress): every good row is
     * on the requests topic, only the chunk in flight at the kill twice at most, and the rejects
     * file holds each bad row once.
     */
    @Test
    void aFileHalfReadByAKilledInstanceIsReadToItsEndByTheOther() throws Exception {
        int rows = 20_000;
        int badEvery = 100;
        int chunk = 10;
        sandbox = OpentactSandbox.start(0, TOKEN);
        String p = "takeover" + UUID.randomUUID().toString().substring(0, 6) + ".";
        Path inbox = Files.createDirectories(work.resolve("inbox"));
        Path outbox = work.resolve("outbox");
        StringBuilder csv = new StringBuilder("tn,features\n");
        Set<Long> goodLines = new TreeSet<>();
        for (int i = 1; i <= rows; i++) {
            if (i % badEvery == 0) {
                csv.append("bad-").append(i).append(",voice\n");
            } else {
                csv.append(String.format("+1 312 4%02d %04d", i / 10_000, i % 10_000)).append(",voice\n");
                goodLines.add(i + 1L);
            }
        }
        // The handoff alone (no orders): the pipeline's route file is left out.
        app = instance(p, "one", inbox, outbox).env("OPENTACT_INBOX_CHUNK_SIZE", String.valueOf(chunk))
                .env("OPENTACT_INBOX_CLAIM_TIMEOUT_MS", "3000")
                .env("CAMEL_MAIN_ROUTES_EXCLUDE_PATTERN", "**/kafka-intake.camel.yaml");
        second = instance(p, "two", inbox, outbox).env("OPENTACT_INBOX_CHUNK_SIZE", String.valueOf(chunk))
                .env("OPENTACT_INBOX_CLAIM_TIMEOUT_MS", "3000")
                .env("CAMEL_MAIN_ROUTES_EXCLUDE_PATTERN", "**/kafka-intake.camel.yaml");
        app.start();
        await().atMost(WAIT).until(() -> Files.exists(inbox.resolve(".claimed/one/.heartbeat")));
        drop(inbox, "big.csv", csv.toString());

        Path progress = inbox.resolve(".claimed/one/.big.csv.progress");
        await().atMost(WAIT).pollInterval(Duration.ofMillis(20)).until(() -> {
            FileProgress saved = FileProgress
                    .parse(Files.exists(progress) ? Files.readString(progress) : null);
            return saved != null && saved.items() >= 1000;
        });
        app.kill();
        assertThat(inbox.resolve(".claimed/one/big.csv")).as("killed half-way through the file").exists();
        assertThat(filesIn(inbox.resolve(".done"))).isZero();

        second.start();
        await().atMost(WAIT).until(() -> filesIn(inbox.resolve(".done")) == 1);

        List<TopicProbe.Rec> requests = TopicProbe.read(SharedKafka.bootstrapServers(), p + "requests",
                goodLines.size(), WAIT, Duration.ofSeconds(3));
        Map<String, Integer> perId = new HashMap<>();
        requests.forEach(r -> perId.merge(r.key(), 1, Integer::sum));
        assertThat(requests.stream().map(r -> ((Number) r.map("source").get("line")).longValue()).distinct().toList())
                .as("every good row handed on").containsExactlyInAnyOrderElementsOf(goodLines);
        long twice = perId.values().stream().filter(n -> n > 1).count();
        LOG.info("takeover: {} requests on the topic for {} good rows, {} sent twice", requests.size(),
                goodLines.size(), twice);
        assertThat(perId.values()).allSatisfy(n -> assertThat(n).isLessThanOrEqualTo(2));
        assertThat(twice).as("only the chunk in flight at the kill is sent again").isLessThanOrEqualTo(chunk);

        List<String> rejects = Files.readAllLines(outbox.resolve("big.csv.rejects.csv"));
        assertThat(rejects).hasSize(rows / badEvery + 1).doesNotHaveDuplicates();
        assertThat(rejects.get(0)).isEqualTo("tn,features,reject_reason");
        String log = Files.readString(second.log());
        assertThat(log).contains("Took over order file big.csv from instance one")
                .contains("Order file big.csv is read again after an interruption");
    }

    /**
     * Two instances order the rows of several files; the one writing the results files is killed
     * (SIGKILL) while results come in, and not started again. The other takes over its claims and the
     * writing: every file is done, every request has one outcome, and each results file holds each
     * line once (the results read again after the kill, past the last commit, are not written twice).
     */
    @Test
    void theResultsWriterKilledMidwayLeavesEachLineOnceAndEveryFileDone() throws Exception {
        int files = 6;
        int rowsPerFile = 30;
        sandbox = OpentactSandbox.start(0, TOKEN);
        sandbox.setCompletionDelay(Duration.ofMillis(50));
        sandbox.setBalance(new BigDecimal("100000.00"));
        String p = "writer" + UUID.randomUUID().toString().substring(0, 6) + ".";
        Path inbox = Files.createDirectories(work.resolve("inbox"));
        Path outbox = work.resolve("outbox");
        Invariants.Expected expected = new Invariants.Expected();
        Map<String, Set<String>> goodTns = new LinkedHashMap<>();
        Map<String, String> contents = new LinkedHashMap<>();
        long tn = 14156000000L;
        for (int f = 0; f < files; f++) {
            String name = "w-" + f + ".csv";
            StringBuilder csv = new StringBuilder("tn\n");
            for (int line = 2; line < rowsPerFile + 2; line++, tn++) {
                csv.append('+').append(tn).append('\n');
                expected.csv(name, line, tn);
                goodTns.computeIfAbsent(name, k -> new TreeSet<>()).add("+" + tn);
            }
            contents.put(name, csv.toString());
        }
        expected.stockIn(sandbox);
        app = instance(p, "one", inbox, outbox).env("OPENTACT_INBOX_CLAIM_TIMEOUT_MS", "3000");
        second = instance(p, "two", inbox, outbox).env("OPENTACT_INBOX_CLAIM_TIMEOUT_MS", "3000");
        app.start();
        second.start();
        await().atMost(WAIT).until(() -> Files.exists(inbox.resolve(".claimed/one/.heartbeat"))
                && Files.exists(inbox.resolve(".claimed/two/.heartbeat")));
        // And both are in their consumer groups, settled: this test is about the inbox, not about the
        // order pipeline's rebalance when the second instance joins while requests are in flight.
        awaitGroupOfTwo(p + "orders");
        awaitGroupOfTwo(p + "results");
        for (Map.Entry<String, String> e : contents.entrySet()) {
            drop(inbox, e.getKey(), e.getValue());
        }
        // Results are being written: kill the instance that writes them.
        await().atMost(WAIT).until(() -> resultLines(outbox) >= 20);
        AppProcess writer = lastWriter(app, second);
        AppProcess survivor = writer == app ? second : app;
        LOG.info("killing the results writer {} with {} result lines written", writer.log().getFileName(),
                resultLines(outbox));
        writer.kill();

        await().atMost(WAIT).until(() -> filesIn(inbox.resolve(".done")) == files);
        Invariants.check("results-writer-killed", SharedKafka.bootstrapServers(), p + "outcomes", p + "numbers",
                expected, sandbox, WAIT);
        for (String name : contents.keySet()) {
            Path results = outbox.resolve(name + ".results.csv");
            await().atMost(WAIT).until(() -> Files.exists(results)
                    && Files.readAllLines(results).size() >= goodTns.get(name).size() + 1);
        }
        await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(10)).until(() -> true);
        for (String name : contents.keySet()) {
            List<String> lines = Files.readAllLines(outbox.resolve(name + ".results.csv"));
            assertThat(lines).as(name + " results").hasSize(goodTns.get(name).size() + 1).doesNotHaveDuplicates();
            assertThat(lines.subList(1, lines.size()).stream().map(l -> l.split(",")[2]).toList())
                    .as(name + " numbers").containsExactlyInAnyOrderElementsOf(goodTns.get(name));
        }
        assertThat(Files.readString(survivor.log())).contains("This instance writes the results files now");
    }

    /** Until the group has both instances as members, settled (STABLE). */
    private static void awaitGroupOfTwo(String group) {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, SharedKafka.bootstrapServers());
        try (Admin admin = Admin.create(p)) {
            await().atMost(WAIT).pollInterval(Duration.ofMillis(200)).until(() -> {
                var d = admin.describeConsumerGroups(List.of(group)).all().get(10, TimeUnit.SECONDS)
                        .get(group);
                return d.state() == ConsumerGroupState.STABLE && d.members().size() == 2;
            });
        }
    }

    private static long resultLines(Path outbox) throws Exception {
        if (!Files.isDirectory(outbox)) {
            return 0;
        }
        long n = 0;
        try (Stream<Path> s = Files.list(outbox)) {
            for (Path f : s.filter(x -> x.getFileName().toString().endsWith(".results.csv")).toList()) {
                n += Math.max(0, Files.readAllLines(f).size() - 1);
            }
        }
        return n;
    }

    /** The instance whose log last says it writes the results files. */
    private static AppProcess lastWriter(AppProcess a, AppProcess b) throws Exception {
        String la = Files.readString(a.log());
        String lb = Files.readString(b.log());
        boolean aWrites = la.lastIndexOf("This instance writes the results files now") > la.lastIndexOf("Another instance writes");
        boolean bWrites = lb.lastIndexOf("This instance writes the results files now") > lb.lastIndexOf("Another instance writes");
        assertThat(aWrites ^ bWrites).as("exactly one instance writes the results files").isTrue();
        return aWrites ? a : b;
    }
}
