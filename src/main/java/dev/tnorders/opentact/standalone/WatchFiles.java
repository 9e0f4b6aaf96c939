package dev.tnorders.opentact.standalone;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;

import dev.tnorders.opentact.files.FilesScreen;
import dev.tnorders.opentact.kafka.KafkaClientSettings;

/**
 * The CSV files in progress and their ends, in a terminal, for a person to watch next to the app:
 * {@code mvn -q exec:java -Dexec.mainClass=dev.tnorders.opentact.standalone.WatchFiles}.
 * Reads the file-state topic and the files topic from their start (what every instance publishes,
 * so the same with one instance or many) and draws the screen ({@link FilesScreen}) again every
 * second in a terminal, every 10 s when its output is not one. Runs until Ctrl-C, or for
 * {@code --for=<minutes>} at most (default a day); {@code --once} prints one screen once the topics
 * are read and stops; {@code --until-done} stops once no file is in progress. Brokers and security as {@link TopicTail} finds them ({@link LocalKafka}).
 */
public final class WatchFiles {

    private static final String CLEAR = "\u001b[H\u001b[2J";

    private WatchFiles() {
    }

    public static void main(String[] args) throws IOException {
        boolean once = List.of(args).contains("--once");
        boolean untilDone = List.of(args).contains("--until-done");
        long forMinutes = List.of(args).stream().filter(a -> a.startsWith("--for=")).findFirst()
                .map(a -> Long.parseLong(a.substring("--for=".length()))).orElse(24 * 60L);
        long stopAt = System.nanoTime() + Duration.ofMinutes(forMinutes).toNanos();
        Properties file = LocalKafka.configFile();
        String brokers = LocalKafka.brokersOrSayWhy(file);
        if (brokers == null) {
            System.exit(2);
            return;
        }
        String stateTopic = LocalKafka.setting("opentact.topics.file-state", file);
        String filesTopic = LocalKafka.setting("opentact.topics.files", file);
        long endedShownMs = millis(LocalKafka.setting("opentact.files.ended-shown-ms", file), 3_600_000);
        long rememberedMs = millis(LocalKafka.setting("opentact.journal.retention-ms", file), 604_800_000);
        KafkaClientSettings kafka = LocalKafka.clientSettings(brokers, file);
        Properties c = kafka.committedStringReader("opentact-watch-files");
        boolean terminal = System.console() != null && !once;
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        FilesScreen screen = new FilesScreen(stateTopic, filesTopic, endedShownMs, rememberedMs);
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(c)) {
            List<TopicPartition> parts = partitions(consumer, List.of(stateTopic, filesTopic), out);
            consumer.assign(parts);
            consumer.seekToBeginning(parts);
            var ends = consumer.endOffsets(parts);
            long readBy = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            boolean caughtUp = false;
            boolean seenOpen = false;
            long nextDraw = 0;
            while (System.nanoTime() < stopAt) { // bounded: --for (a day by default)
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(250))) {
                    screen.add(new FilesScreen.Seen(System.currentTimeMillis(), r.topic(), r.key(), r.value()));
                }
                if (!caughtUp) {
                    caughtUp = parts.stream().allMatch(tp -> consumer.position(tp) >= ends.get(tp));
                    if (!caughtUp && System.nanoTime() < readBy) {
                        continue;
                    }
                    caughtUp = true;
                }
                seenOpen |= screen.anyOpen();
                long now = System.nanoTime();
                if (once || (untilDone && seenOpen && !screen.anyOpen())) {
                    out.print(screen.render(Instant.now()));
                    return;
                }
                if (now >= nextDraw) {
                    String text = screen.render(Instant.now());
                    out.print(terminal ? CLEAR + text + "\n(Ctrl-C to quit)\n" : text + "\n");
                    nextDraw = now + Duration.ofSeconds(terminal ? 1 : 10).toNanos();
                }
            }
        }
    }

    /** The topics' partitions; waits (printing why, bounded) while the app has not created them yet. */
    private static List<TopicPartition> partitions(KafkaConsumer<String, String> consumer, List<String> topics,
                                                   PrintStream out) {
        long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
        boolean told = false;
        while (true) {
            List<TopicPartition> parts = new ArrayList<>();
            List<String> missing = new ArrayList<>();
            for (String t : topics) {
                List<PartitionInfo> infos = consumer.listTopics(Duration.ofSeconds(30)).get(t);
                if (infos == null || infos.isEmpty()) {
                    missing.add(t);
                } else {
                    infos.forEach(i -> parts.add(new TopicPartition(i.topic(), i.partition())));
                }
            }
            if (missing.isEmpty()) {
                return parts;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("The topics " + missing + " do not exist: is the app running (with "
                        + "these topic settings)?");
            }
            if (!told) {
                out.println("Waiting for the topics " + missing + " (the app creates them when it starts) ...");
                told = true;
            }
            pauseQuietly(2000);
        }
    }

    private static long millis(String value, long otherwise) {
        try {
            return value == null ? otherwise : Long.parseLong(value.strip());
        } catch (NumberFormatException e) {
            return otherwise;
        }
    }

    private static void pauseQuietly(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
