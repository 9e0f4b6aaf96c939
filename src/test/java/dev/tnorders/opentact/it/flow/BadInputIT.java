package dev.tnorders.opentact.it.flow;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import org.apache.camel.ServiceStatus;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVPrinter;
import org.apache.commons.csv.CSVRecord;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.tnorders.opentact.intake.InboxNames;
import dev.tnorders.opentact.it.Invariants;
import dev.tnorders.opentact.it.SandboxAndApp;
import dev.tnorders.opentact.it.TopicProbe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A generated corpus of bad input (seeded: {@code -Dbadinput.seed}, reproducible), interleaved
 * with good requests: random bytes, truncated JSON, huge fields, wrong types, unknown fields,
 * tombstones, deep nesting, spreadsheet formulas and path traversal in values and in file names.
 * Each bad Kafka record must get a DLQ record, each bad CSV row a reject line and a DLQ record,
 * each unreadable file must land in {@code .failed/}; the good requests around them complete,
 * and the app keeps running.
 */
class BadInputIT extends SandboxAndApp {

    private static final Logger LOG = LoggerFactory.getLogger(BadInputIT.class);
    private static final Duration LONG_WAIT = Duration.ofSeconds(Long.getLong("badinput.wait-s", 150));

    /** Values no validator may accept as a number: formulas, paths, markup, lookups. */
    private static final List<String> HOSTILE = List.of("=cmd|' /C calc'!A0", "@SUM(1+1)*cmd|' /C calc'!A0",
            "+cmd|' /C notepad'!A0", "-2+3+cmd|' /C calc'!A0", "\t=1+1", "\r=1+1", "../../etc/passwd",
            "..\\..\\windows\\win.ini", "'; DROP TABLE orders;--", "${jndi:ldap://127.0.0.1/a}",
            "<script>alert(1)</script>", "%0d%0aSet-Cookie: x=1", "=HYPERLINK(\"http://127.0.0.1\",\"x\")",
            "\u202e1234567890", "\u0000\u0001\u0002");

    /** File names a careless writer could turn into a formula or a path outside the outbox. */
    private static final List<String> HOSTILE_FILE_NAMES = List.of("=cmd|' calc'!A0.csv",
            "..\\..\\etc\\passwd.csv", "@SUM(1+1).csv", "-2+3+cmd.csv");

    private static final String GOOD_CSV_HEADER = "tn,features,autorenew,max_nrc,sip_connection";

    @Test
    void everyBadInputGetsAClearFateAndTheGoodOnesComplete() throws Exception {
        long seed = Long.getLong("badinput.seed", 20261125L);
        int kafkaBad = Integer.getInteger("badinput.kafka", 600);
        int rowsPerFile = Integer.getInteger("badinput.rows", 110);
        Random random = new Random(seed);
        app = app().with("opentact.inbox.quiet-ms", "200").start();
        Files.createDirectories(app.inbox);
        Invariants.Expected expected = new Invariants.Expected();

        // Kafka: bad records with a good one every 15.
        List<TopicProbe.Raw> records = new ArrayList<>();
        int kafkaGood = 0;
        for (int i = 0; i < kafkaBad; i++) {
            if (i % 15 == 0) {
                long tn = 12122000000L + kafkaGood;
                String id = "good-" + kafkaGood++;
                expected.kafka(id, tn);
                records.add(new TopicProbe.Raw(id, ("{\"request_id\":\"" + id + "\",\"tns\":[\"+" + tn + "\"]}")
                        .getBytes(StandardCharsets.UTF_8)));
            }
            records.add(badKafkaRecord(i, random));
        }
        TopicProbe.sendAll(app.brokers, app.topic("requests"), records);

        // CSV: files with hostile names, bad rows with a good one every 12, and unreadable files.
        int csvBad = 0;
        int csvGood = 0;
        List<String> files = new ArrayList<>(HOSTILE_FILE_NAMES);
        files.add("ordinary.csv");
        for (String name : files) {
            StringWriter out = new StringWriter();
            try (CSVPrinter csv = new CSVPrinter(out, CSVFormat.RFC4180.builder().setRecordSeparator("\n").get())) {
                csv.printRecord((Object[]) GOOD_CSV_HEADER.split(","));
                int line = 1;
                for (int r = 0; r < rowsPerFile; r++) {
                    line++;
                    if (r % 12 == 0) {
                        long tn = 12122010000L + csvGood++;
                        expected.csv(nameAsTaken(name), line, tn);
                        csv.printRecord("+" + tn, "voice;sms", "true", "5.00", "");
                    } else {
                        csv.printRecord(badCsvRow(r, random));
                        csvBad++;
                    }
                }
            }
            drop(name, out.toString().getBytes(StandardCharsets.UTF_8));
        }
        int unreadableFiles = 3;
        byte[] garbage = new byte[2048];
        for (int f = 0; f < unreadableFiles; f++) {
            random.nextBytes(garbage);
            garbage[0] = (byte) 0xC3; // never valid UTF-8 at the start of a file
            garbage[1] = (byte) 0x28;
            drop("random-bytes-" + f + ".csv", garbage);
        }

        Invariants.Figures f = Invariants.check("bad-input", app.brokers, app.topic("outcomes"), app.topic("numbers"),
                expected, sandbox, LONG_WAIT);
        assertThat(f.outcomeRecords()).allSatisfy(o -> assertThat(o.get("state")).as(Invariants.name(o))
                .isEqualTo("completed"));

        int bad = kafkaBad + csvBad;
        List<TopicProbe.Rec> dlq = TopicProbe.read(app.brokers, app.topic("dlq"), bad, LONG_WAIT, Duration.ofSeconds(3));
        assertThat(dlq).as("one DLQ record per bad record and bad row").hasSize(bad);
        assertThat(dlq).allSatisfy(d -> {
            assertThat((String) d.get("error")).as("a clear error").isNotBlank().doesNotContain("NullPointer")
                    .doesNotContain("Exception");
            assertThat(d.map("source")).as("where it came from").isNotEmpty();
        });
        long fromFiles = dlq.stream().filter(d -> d.map("source").get("file") != null).count();
        assertThat(fromFiles).isEqualTo(csvBad);

        // Each file's rejects: every bad row, unchanged but neutralised, with its reason.
        int rejectLines = 0;
        for (String name : files) {
            Path rejects = app.outbox.resolve(safeName(nameAsTaken(name)) + ".rejects.csv");
            await().atMost(WAIT).until(() -> Files.exists(rejects));
            List<CSVRecord> rows = parse(rejects);
            assertThat(rows.get(0).values()).containsExactly("tn", "features", "autorenew", "max_nrc",
                    "sip_connection", "reject_reason");
            for (CSVRecord row : rows.subList(1, rows.size())) {
                String reason = row.get(row.size() - 1);
                assertThat(reason).as(name + " row " + row.getRecordNumber()).isNotBlank();
                for (String cell : row.values()) {
                    assertThat(cell).as("a cell a spreadsheet would run, in " + rejects)
                            .doesNotStartWith("=").doesNotStartWith("@").doesNotStartWith("\t").doesNotStartWith("\r");
                }
            }
            rejectLines += rows.size() - 1;
        }
        assertThat(rejectLines).isEqualTo(csvBad);
        await().atMost(WAIT).untilAsserted(() -> {
            assertThat(filesIn(app.inbox.resolve(".failed"))).isEqualTo(unreadableFiles);
            assertThat(filesIn(app.inbox.resolve(".done"))).isEqualTo(files.size());
        });
        // Nothing was written outside the outbox and the inbox, whatever the file names said.
        try (Stream<Path> all = Files.walk(work)) {
            assertThat(all.filter(Files::isRegularFile))
                    .allSatisfy(p -> assertThat(p.startsWith(app.inbox) || p.startsWith(app.outbox)).as(p.toString()).isTrue());
        }
        try (Stream<Path> out = Files.list(app.outbox)) {
            assertThat(out).allSatisfy(p -> assertThat(p.getFileName().toString()).matches("[\\p{Alnum}._-]+"));
        }
        assertThat(app.context().getStatus()).isEqualTo(ServiceStatus.Started);
        LOG.info("bad-input figures: seed={} bad inputs={} (kafka {}, csv rows {}, unreadable files {}), good requests={} "
                        + "(kafka {}, csv {}), dlq={}, reject lines={}, duplicates=0, losses=0", seed,
                bad + unreadableFiles, kafkaBad, csvBad, unreadableFiles, kafkaGood + csvGood, kafkaGood, csvGood,
                dlq.size(), rejectLines);
    }

    private static TopicProbe.Raw badKafkaRecord(int i, Random random) {
        String id = "bad-" + i;
        String hostile = HOSTILE.get(random.nextInt(HOSTILE.size()));
        String json = switch (i % 12) {
            case 0 -> null; // random bytes below
            case 1 -> {
                String whole = "{\"request_id\":\"" + id + "\",\"tns\":[\"+1212203" + String.format("%04d", i) + "\"]}";
                yield whole.substring(0, random.nextInt(whole.length() - 1)); // truncated: never valid JSON
            }
            case 2 -> "{\"request_id\":\"" + id + "\",\"tns\":[\"+1" + "9".repeat(150_000 + random.nextInt(100_000)) + "\"]}";
            case 3 -> "{\"request_id\":\"" + id + "\",\"tns\":[\"+12122030000\"],\"features\":[\"voice"
                    + "x".repeat(1000 + random.nextInt(50_000)) + "\"]}";
            case 4 -> "{\"request_id\":\"" + id + "\",\"tns\":" + (random.nextBoolean() ? "12122030001" : "{\"a\":1}") + "}";
            case 5 -> "{\"request_id\":\"" + id + "\",\"tns\":[\"+12122030002\"],\"autorenew\":\"sometimes\"}";
            case 6 -> "{\"request_id\":\"" + id + "\",\"tns\":[\"+12122030003\"],\"max_nrc\":" + (random.nextBoolean()
                    ? "true" : "\"abc\"") + "}";
            case 7 -> "{\"request_id\":\"" + id + "\",\"tns\":[" + jsonString(hostile) + "]}";
            case 8 -> "{\"request_id\":\"" + id + "\",\"tns\":[\"+12122030004\"],\"max_nrcc\":\"1.00\"}";
            case 9 -> "[".repeat(30 + random.nextInt(2000)) + "]".repeat(5);
            case 10 -> random.nextBoolean() ? "" : "[\"+12122030005\"]";
            default -> "{\"request_id\":\"" + id + "\",\"search\":{\"area_code\":" + jsonString(hostile)
                    + ",\"quantity\":\"many\"}}";
        };
        if (i % 12 == 0) {
            if (i % 24 == 0) {
                return new TopicProbe.Raw(id, null); // a tombstone: no value at all
            }
            byte[] bytes = new byte[1 + random.nextInt(400)];
            random.nextBytes(bytes);
            return new TopicProbe.Raw(id, bytes);
        }
        return new TopicProbe.Raw(id, json.getBytes(StandardCharsets.UTF_8));
    }

    /** A row that must be rejected: header tn,features,autorenew,max_nrc,sip_connection. */
    private static List<String> badCsvRow(int r, Random random) {
        String hostile = HOSTILE.get(random.nextInt(HOSTILE.size())).replace("\r", "");
        String validTn = "+1212204" + String.format("%04d", r); // valid, but the row is bad elsewhere
        return switch (r % 9) {
            case 0 -> List.of(hostile, "voice", "true", "", "");
            case 1 -> List.of(randomSymbols(random), "voice", "true", "", "");
            case 2 -> List.of("9".repeat(20 + random.nextInt(200_000)), "voice", "", "", "");
            case 3 -> List.of(validTn, "voice;" + hostile, "", "", "");
            case 4 -> List.of(validTn, "voice", random.nextBoolean() ? "sometimes" : hostile, "", "");
            case 5 -> List.of(validTn, "voice", "", random.nextBoolean() ? "abc" : "1..5", "");
            case 6 -> List.of(validTn, "voice", "", "", random.nextBoolean() ? "../../etc/passwd" : "not-a-uuid");
            case 7 -> random.nextBoolean() ? List.of(validTn, "voice") : List.of(validTn, "voice", "", "", "", hostile);
            default -> List.of(random.nextBoolean() ? "+18005551234" : "+442071234567", "voice", "", "", "");
        };
    }

    private static String randomSymbols(Random random) {
        String symbols = "!#$%&*()[]{}<>?~^|;:éß€漢字 ";
        StringBuilder s = new StringBuilder();
        for (int k = 0, n = 1 + random.nextInt(40); k < n; k++) {
            s.append(symbols.charAt(random.nextInt(symbols.length())));
        }
        return s.toString();
    }

    private static String jsonString(String s) {
        StringBuilder out = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            if (c == '"' || c == '\\') {
                out.append('\\').append(c);
            } else if (c < 0x20) {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        return out.append('"').toString();
    }

    /** Writes under a name the intake ignores, then renames, as a well-behaved writer does. */
    private void drop(String name, byte[] content) throws IOException {
        Path part = app.inbox.resolve(name + ".part");
        Files.write(part, content);
        Files.move(part, app.inbox.resolve(name));
    }

    /** The intake renames a file whose name holds a backslash (Camel would read it as a folder separator). */
    private static String nameAsTaken(String file) {
        return InboxNames.readableName(file);
    }

    private static String safeName(String file) {
        return file.replaceAll("[^\\p{Alnum}._-]", "_");
    }

    private static List<CSVRecord> parse(Path file) throws IOException {
        try (CSVParser p = CSVParser.parse(new StringReader(Files.readString(file, StandardCharsets.UTF_8)),
                CSVFormat.RFC4180)) {
            return p.getRecords();
        }
    }

    private static long filesIn(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.count();
        }
    }
}
