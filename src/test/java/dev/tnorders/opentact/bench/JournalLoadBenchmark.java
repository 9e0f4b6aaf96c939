package dev.tnorders.opentact.bench;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

import dev.tnorders.opentact.journal.OrderJournal;
import dev.tnorders.opentact.model.RecordHeaders;
import dev.tnorders.opentact.standalone.EmbeddedKafkaBroker;

/**
 * Journal load benchmark (docs/benchmarks.md, "Journal start"; run by {@code bash bench/journal-load.sh}).
 *
 * <p>Starts an in-process broker, writes N done entries (as the app writes them: request id, order
 * uuid, day, a file for one in five, nrc; plus one open {@code placed} entry per thousand) to a
 * journal topic with a plain producer, then times {@code new OrderJournal(...).start()} in a child
 * JVM with a small heap ({@code -Xmx512m} unless {@code --heap}), and prints how long the start took
 * and the heap used after a full GC with the journal loaded. Two scenarios: every done entry within
 * the retention (all held), and every one older than it (none held).
 *
 * <p>Usage: {@code --entries=1000000 --heap=512m --scenarios=recent,expired}
 */
public final class JournalLoadBenchmark {

    private static final long DAY = 86_400_000L;

    public static void main(String[] args) throws Exception {
        Map<String, String> a = new HashMap<>();
        for (String arg : args) {
            String[] kv = arg.replaceFirst("^--", "").split("=", 2);
            a.put(kv[0], kv.length > 1 ? kv[1] : "true");
        }
        int entries = Integer.parseInt(a.getOrDefault("entries", "1000000"));
        String heap = a.getOrDefault("heap", "512m");
        List<String> scenarios = List.of(a.getOrDefault("scenarios", "recent,expired").split(","));
        Path work = Files.createTempDirectory("opentact-journal-load");
        System.out.printf("Journal load benchmark: %,d done entries (+%,d placed), child JVM -Xmx%s, %d cores%n",
                entries, entries / 1000, heap, Runtime.getRuntime().availableProcessors());
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(work.resolve("kafka"), true)) {
            String brokers = broker.bootstrapServers();
            for (String scenario : scenarios) {
                String topic = "bench-journal-" + scenario;
                OrderJournal creator = new OrderJournal(brokers, topic); // creates the topic as the app does
                creator.start();
                creator.stop();
                long writeMs = write(brokers, topic, entries, scenario.equals("expired"));
                System.out.printf("[%s] wrote %,d records in %,d ms%n", scenario, entries + entries / 1000, writeMs);
                child(brokers, topic, heap, scenario);
            }
        }
    }

    /** N done entries and N/1000 placed ones, written by a plain producer; expired: 10 days old. */
    private static long write(String brokers, String topic, int n, boolean expired) throws Exception {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, brokers);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.LINGER_MS_CONFIG, 20);
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, 512 * 1024);
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        p.put(ProducerConfig.BUFFER_MEMORY_CONFIG, 128L * 1024 * 1024);
        long now = System.currentTimeMillis();
        long at = expired ? now - 10 * DAY : now;
        String day = LocalDate.ofInstant(Instant.ofEpochMilli(at), ZoneOffset.UTC).toString();
        byte[] writer = UUID.randomUUID().toString().getBytes(StandardCharsets.UTF_8);
        long start = System.nanoTime();
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(p)) {
            for (int i = 0; i < n; i++) {
                String id = UUID.randomUUID().toString();
                String file = i % 5 == 0 ? ",\"file\":\"orders-" + (i / 10_000) + ".csv@2026-11-25T10:00:00.000Z\"" : "";
                String value = "{\"request_id\":\"" + id + "\",\"phase\":\"done\",\"order_uuid\":\"" + UUID.randomUUID()
                        + "\",\"day\":\"" + day + "\"" + file + ",\"nrc\":" + (1 + i % 7) + ".50}";
                producer.send(record(topic, at, id, value, writer, "done"));
                if (i % 1000 == 0) {
                    String openId = UUID.randomUUID().toString();
                    producer.send(record(topic, at, openId, "{\"request_id\":\"" + openId + "\",\"phase\":\"placed\","
                            + "\"tns\":[\"+12012090001\"],\"order_uuid\":\"" + UUID.randomUUID() + "\",\"day\":\"" + day
                            + "\",\"nrc\":1.50,\"intent_at\":" + at + "}", writer, "placed"));
                }
            }
            producer.flush();
        }
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    }

    private static ProducerRecord<String, String> record(String topic, long at, String key, String value, byte[] writer,
                                                         String phase) {
        ProducerRecord<String, String> r = new ProducerRecord<>(topic, null, at, key, value);
        r.headers().add(RecordHeaders.JOURNAL_WRITER, writer);
        r.headers().add(RecordHeaders.JOURNAL_PHASE, phase.getBytes(StandardCharsets.UTF_8));
        return r;
    }

    private static void child(String brokers, String topic, String heap, String scenario) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java, "-Xmx" + heap,
                "-Dlog4j2.configurationFile=" + System.getProperty("log4j2.configurationFile", "config/log4j2.properties"),
                "-cp", System.getProperty("java.class.path"), Child.class.getName(), brokers, topic));
        Process process = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = out.readLine()) != null) {
                if (line.startsWith("RESULT") || line.contains("OutOfMemoryError") || line.contains("loaded:")
                        || line.contains("Exception")) {
                    System.out.println("[" + scenario + "] " + line);
                }
            }
        }
        if (!process.waitFor(300, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            System.out.println("[" + scenario + "] the child JVM did not end within 300 s");
        } else if (process.exitValue() != 0) {
            System.out.println("[" + scenario + "] the child JVM failed (exit " + process.exitValue() + ")");
        }
    }

    /** The child JVM: one journal start, timed, and the heap it holds. */
    public static final class Child {
        public static void main(String[] args) {
            long start = System.nanoTime();
            OrderJournal journal = new OrderJournal(args[0], args[1]);
            journal.start();
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            System.gc();
            System.gc();
            long used = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
            long max = Runtime.getRuntime().maxMemory();
            System.out.printf("RESULT start_ms=%d heap_used_after_gc_mb=%.1f heap_max_mb=%.0f open=%d done_held=%d%n", ms,
                    used / 1048576.0, max / 1048576.0, journal.openOrders(), journal.doneHeld());
            journal.stop();
            System.exit(0);
        }
    }
}
