package dev.tnorders.opentact.it.flow;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import dev.tnorders.opentact.it.LogCapture;
import dev.tnorders.opentact.it.SandboxAndApp;
import dev.tnorders.opentact.it.TopicProbe;


import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** CSV files as operations teams really drop them, in a real folder, through real Kafka. */
class CsvIntakeIT extends SandboxAndApp {

    private void drop(String name, String content) throws IOException {
        drop(name, content.getBytes(StandardCharsets.UTF_8));
    }

    /** Writes under a temporary name and renames, as a well-behaved writer does. */
    private void drop(String name, byte[] content) throws IOException {
        Files.createDirectories(app.inbox);
        Path part = app.inbox.resolve(name + ".part");
        Files.write(part, content);
        Files.move(part, app.inbox.resolve(name));
    }

    private static long filesIn(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.count();
        }
    }

    @Test
    void aSlowWriterIsNotReadHalfway() throws Exception {
        app = app().with("opentact.inbox.quiet-ms", "1500")
                .with("opentact.inbox.check-interval-ms", "500").start();
        Files.createDirectories(app.inbox);
        Path file = app.inbox.resolve("slow.csv");
        try (OutputStream out = Files.newOutputStream(file, StandardOpenOption.CREATE_NEW)) {
            for (int chunk = 0; chunk < 4; chunk++) {
                out.write(("tn\n".repeat(chunk == 0 ? 1 : 0) + "+1312201000" + chunk + "\n").getBytes(StandardCharsets.UTF_8));
                out.flush();
                // The writer pauses (shorter than the quiet time): the file must stay where it is.
                await().during(Duration.ofMillis(700)).atMost(Duration.ofSeconds(5)).until(() -> Files.exists(file));
            }
        }
        List<TopicProbe.Rec> outcomes = TopicProbe.read(app.brokers, app.topic("outcomes"), 4, WAIT, Duration.ofSeconds(2));
        assertThat(outcomes).hasSize(4).allSatisfy(o -> assertThat(o.value()).containsEntry("state", "completed"));
        // No half-read row was rejected: a results file, no rejects file (the summary comes at the file's end).
        assertThat(Files.exists(app.outbox.resolve("slow.csv.results.csv"))).isTrue();
        assertThat(Files.exists(app.outbox.resolve("slow.csv.rejects.csv"))).isFalse();
    }

    @Test
    void theSameContentDroppedTwiceUnderAnotherNameIsOrderedOnce() throws Exception {
        app = app().with("opentact.inbox.quiet-ms", "200").start();
        String content = "tn;features\r\n+1 312 202 0001;voice\r\n+1 312 202 0002;sms\r\n";
        drop("first.csv", content);
        assertThat(TopicProbe.read(app.brokers, app.topic("outcomes"), 2, WAIT, Duration.ZERO)).hasSize(2);
        drop("second-name.csv", content);
        await().atMost(WAIT).until(() -> filesIn(app.inbox.resolve(".done")) == 2);
        assertThat(TopicProbe.read(app.brokers, app.topic("outcomes"), 2, Duration.ofSeconds(10), Duration.ofSeconds(3)))
                .hasSize(2);
        assertThat(sandbox.orderAttempts(13122020001L)).isEqualTo(1);
        assertThat(sandbox.orderAttempts(13122020002L)).isEqualTo(1);
    }

    @Test
    void nastyFilesGetAClearFateAndNeverStopTheRest() throws Exception {
        app = app().with("opentact.inbox.quiet-ms", "200").start();
        byte[] garbage = new byte[4096];
        new Random(42).nextBytes(garbage);
        drop("garbage.csv", garbage);
        drop("empty.csv", new byte[0]);
        drop("header-only.csv", "tn,features\n");
        drop("duplicated-header.csv", "tn,features,TN\n+13122030001,voice,+13122030002\n");
        drop("hostile.csv", "tn,features,profile\n"
                + "=\"3122030003\",voice,\n"                                  // Excel-style cell: accepted
                + "=cmd|' /C calc'!A0,voice,\n"                               // formula injection: rejected, neutralised
                + "+13122030004,voice\n"                                      // too few cells
                + "+13122030005,voice,US,extra\n"                             // too many cells
                + "../../etc/passwd,voice,\n"                                 // path-looking value
                + "\"" + "9".repeat(1_000_000) + "\",voice,\n"                // a 1 MB cell
                + "+13122030006,\"voice;sms\",US\n");                          // good, after all that
        drop("good.csv", "tn\n+13122030007\n");

        List<TopicProbe.Rec> outcomes = TopicProbe.read(app.brokers, app.topic("outcomes"), 3, WAIT, Duration.ofSeconds(2));
        assertThat(outcomes).hasSize(3).allSatisfy(o -> assertThat(o.value()).containsEntry("state", "completed"));
        await().atMost(WAIT).untilAsserted(() -> {
            assertThat(filesIn(app.inbox.resolve(".failed"))).isEqualTo(3); // garbage, empty, duplicated header
            assertThat(filesIn(app.inbox.resolve(".done"))).isEqualTo(3);   // header-only, hostile, good
        });
        List<String> rejects = Files.readAllLines(app.outbox.resolve("hostile.csv.rejects.csv"));
        assertThat(rejects).hasSize(6);
        assertThat(rejects.get(0)).isEqualTo("tn,features,profile,reject_reason");
        assertThat(rejects.get(1)).startsWith("'=cmd|").contains("field 'tn'");
        assertThat(rejects.get(2)).contains("2 cells but the header has 3");
        assertThat(rejects.get(3)).contains("4 cells but the header has 3");
        assertThat(rejects.get(4)).startsWith("../../etc/passwd").contains("not a phone number");
        assertThat(rejects.get(5)).contains("too long");
        List<TopicProbe.Rec> dlq = TopicProbe.read(app.brokers, app.topic("dlq"), 5, WAIT, Duration.ofSeconds(1));
        assertThat(dlq).hasSize(5).allSatisfy(d -> {
            assertThat((String) d.get("error")).isNotBlank();
            assertThat(d.map("source")).containsEntry("file", "hostile.csv").containsKey("line");
        });
        assertThat(sandbox.purchaseCount(13122030003L)).isEqualTo(1);
        assertThat(sandbox.purchaseCount(13122030006L)).isEqualTo(1);
        assertThat(sandbox.purchaseCount(13122030007L)).isEqualTo(1);
    }

    /**
     * A header as a new user writes it: {@code Phone Number} is tn and {@code Auto-Renew} is
     * autorenew, so {@code no} buys without autorenew and {@code maybe} is rejected; a column the
     * app does not know is named in a warning and in the summary, and changes nothing ordered.
     */
    @Test
    void aHeaderSpeltAnyWayIsReadAndAnUnknownColumnIsNamed() throws Exception {
        try (LogCapture progress = new LogCapture("dev.tnorders.opentact.intake.progress")) {
            app = app().with("opentact.inbox.quiet-ms", "200").start();
            drop("new-user.csv", "Phone Number,Auto-Renew,Colour\n"
                    + "+1 312 206 0001,no,autorenew=yes\n"
                    + "(312) 206-0002,maybe,blue\n");

            List<TopicProbe.Rec> outcomes = TopicProbe.read(app.brokers, app.topic("outcomes"), 1, WAIT, SETTLE);
            assertThat(outcomes).singleElement().satisfies(o -> assertThat(o.value()).containsEntry("state", "completed"));
            assertThat(sandbox.purchaseCount(13122060001L)).isEqualTo(1);
            assertThat(sandbox.autorenew(13122060001L)).isFalse();
            assertThat(sandbox.orderAttempts(13122060002L)).isZero();

            await().atMost(WAIT).until(() -> filesIn(app.inbox.resolve(".done")) == 1);
            List<String> rejects = Files.readAllLines(app.outbox.resolve("new-user.csv.rejects.csv"));
            assertThat(rejects).hasSize(2);
            assertThat(rejects.get(0)).isEqualTo("Phone Number,Auto-Renew,Colour,reject_reason");
            assertThat(rejects.get(1)).startsWith("(312) 206-0002,maybe,blue,")
                    .contains("field 'autorenew': must be true/false, yes/no or 1/0 (got 'maybe')");
            assertThat(progress.messages()).filteredOn(m -> m.startsWith("Order file new-user.csv: column 'Colour' is "
                    + "not recognised; its values are ignored.")).hasSize(1);
            assertThat(progress.messages()).filteredOn(m -> m.startsWith("Order file new-user.csv handed on: 2 rows, "
                    + "1 requests on the requests topic, 1 rows rejected")).singleElement()
                    .satisfies(m -> assertThat(m).endsWith("; columns not recognised (ignored): 'Colour'"));
        }
    }

    /**
     * A few thousand rows go to Kafka in chunks: every good row is on the requests topic exactly
     * once (key = request id), every bad row in the rejects file and on the DLQ, with progress lines
     * and a summary. The order pipeline is left out (its route file excluded) so that the test sees
     * the handoff alone, not thousands of orders.
     */
    @Test
    void aLargeFileIsHandedOnInChunksEveryGoodRowOnceWithProgress() throws Exception {
        int rows = 3000;
        int badEvery = 50;
        app = app().with("opentact.inbox.quiet-ms", "200")
                .with("opentact.inbox.chunk-size", "400")
                .with("opentact.inbox.progress-rows", "1000")
                .with("opentact.inbox.progress-interval-ms", "600000")
                .with("camel.main.routes-exclude-pattern", "**/kafka-intake.camel.yaml");
        StringBuilder csv = new StringBuilder("tn,features\n");
        Set<Long> goodLines = new TreeSet<>();
        for (int i = 1; i <= rows; i++) {
            long line = i + 1;
            if (i % badEvery == 0) {
                csv.append("555-01").append(i % 100).append(",voice\n");
            } else {
                csv.append(String.format("+1 312 4%02d %04d", i / 10_000, i % 10_000)).append(",voice\n");
                goodLines.add(line);
            }
        }
        int bad = rows / badEvery;
        try (LogCapture progress = new LogCapture("dev.tnorders.opentact.intake.progress")) {
            app.start();
            drop("big.csv", csv.toString());
            await().atMost(WAIT).until(() -> filesIn(app.inbox.resolve(".done")) == 1);

            List<TopicProbe.Rec> requests = TopicProbe.read(app.brokers, app.topic("requests"), goodLines.size(), WAIT,
                    SETTLE);
            assertThat(requests).hasSize(goodLines.size());
            assertThat(requests).extracting(TopicProbe.Rec::key).doesNotHaveDuplicates();
            assertThat(requests).allSatisfy(r -> assertThat(r.key()).isEqualTo(r.get("request_id"))
                    .endsWith("-" + ((Number) r.map("source").get("line")).longValue()));
            assertThat(requests.stream().map(r -> ((Number) r.map("source").get("line")).longValue()).toList())
                    .containsExactlyInAnyOrderElementsOf(goodLines);

            List<String> rejects = Files.readAllLines(app.outbox.resolve("big.csv.rejects.csv"));
            assertThat(rejects).hasSize(bad + 1).first().isEqualTo("tn,features,reject_reason");
            List<TopicProbe.Rec> dlq = TopicProbe.read(app.brokers, app.topic("dlq"), bad, WAIT, SETTLE);
            assertThat(dlq).hasSize(bad).extracting(TopicProbe.Rec::key).doesNotHaveDuplicates()
                    .allSatisfy(k -> assertThat(k).startsWith("big.csv:"));
            assertThat(dlq).allSatisfy(d -> assertThat((String) d.get("error")).contains("tn"));

            assertThat(progress.messages()).filteredOn(m -> m.startsWith("Order file big.csv: "))
                    .hasSize(2)
                    .allSatisfy(m -> assertThat(m).matches("Order file big.csv: [0-9]+ rows done, [0-9]+ rows/s, "
                            + "[0-9]+ rejected so far"));
            assertThat(progress.messages()).filteredOn(m -> m.startsWith("Order file big.csv handed on: "))
                    .singleElement().satisfies(m -> assertThat(m).startsWith("Order file big.csv handed on: " + rows
                            + " rows, " + goodLines.size() + " requests on the requests topic, " + bad + " rows rejected"));
        }
    }

    /** A file is done only once Kafka has taken all its requests: when it cannot, the file fails. */
    @Test
    void aFileWhoseRequestsKafkaRefusesFailsInsteadOfBeingDone() throws Exception {
        app = app().with("opentact.inbox.quiet-ms", "200")
                .with("opentact.topics.requests", "an illegal topic name")
                .with("camel.main.routes-exclude-pattern", "**/kafka-intake.camel.yaml").start();
        drop("refused.csv", "tn\n+13122050001\n12345\n");
        await().atMost(WAIT).until(() -> filesIn(app.inbox.resolve(".failed")) == 1);
        assertThat(filesIn(app.inbox.resolve(".done"))).isZero();
    }
}
