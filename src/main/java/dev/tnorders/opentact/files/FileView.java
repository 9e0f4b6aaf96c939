package dev.tnorders.opentact.files;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;

import com.fasterxml.jackson.databind.ObjectMapper;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.tnorders.opentact.kafka.KafkaClientSettings;

/**
 * The view, on every instance: every drop's parts as last read from the file-state topic (read from
 * its start), the drops' statuses for the endpoint and the gauges, and, on the tracker, the progress lines.
 */
final class FileView {

    /** Logs as {@link FileEnds} did before this part was its own class (named by string: no circle). */
    private static final Logger LOG = LoggerFactory.getLogger("dev.tnorders.opentact.files.FileEnds");
    /** The logger of the progress and end lines (the reading's own lines share it). */
    private static final Logger PROGRESS = LoggerFactory.getLogger("dev.tnorders.opentact.intake.progress");

    private final KafkaClientSettings kafka;
    private final String stateTopic;
    private final ObjectMapper json;
    private final long progressIntervalMs;
    private final Running running;
    /** Whether this instance is the end tracker now. */
    private final BooleanSupplier tracking;
    private long endedShownMs = 3_600_000;
    private long rememberedMs = 604_800_000;

    private final Map<String, FileRead> reads = new ConcurrentHashMap<>();
    private final Map<String, FileTally> viewTallies = new ConcurrentHashMap<>();
    private final Map<String, Eta> etas = new ConcurrentHashMap<>();
    private final Map<String, Long> lastLine = new ConcurrentHashMap<>();
    private volatile boolean viewCaughtUp;

    FileView(KafkaClientSettings kafka, String stateTopic, ObjectMapper json, long progressIntervalMs, Running running,
             BooleanSupplier tracking) {
        this.kafka = kafka;
        this.stateTopic = stateTopic;
        this.json = json;
        this.progressIntervalMs = progressIntervalMs;
        this.running = running;
        this.tracking = tracking;
    }

    void setEndedShownMs(long endedShownMs) {
        this.endedShownMs = endedShownMs;
    }

    void setRememberedMs(long rememberedMs) {
        this.rememberedMs = rememberedMs;
    }

    /** The reader's part of every drop known. */
    Collection<FileRead> reads() {
        return reads.values();
    }

    /** Whether the view has read the file-state topic up to its end as it was when reading began. */
    boolean caughtUp() {
        return viewCaughtUp;
    }

    /** The view's thread, while running; {@code eachRound} after each poll (serving the endpoint). */
    void viewLoop(Runnable eachRound) {
        while (running.on()) {
            Properties c = kafka.committedStringReader("opentact-file-view");
            try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(c)) {
                TopicPartition tp = new TopicPartition(stateTopic, 0);
                consumer.assign(List.of(tp));
                consumer.seekToBeginning(List.of(tp));
                long end = consumer.endOffsets(List.of(tp)).get(tp);
                while (running.on()) {
                    for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(300))) {
                        viewRecord(r.key(), r.value());
                    }
                    if (!viewCaughtUp && consumer.position(tp) >= end) {
                        viewCaughtUp = true;
                    }
                    tidyAndLog();
                    eachRound.run();
                }
            } catch (RuntimeException e) {
                LOG.warn("The files' progress view stopped ({}); reading it again", e.toString());
                viewCaughtUp = false;
                running.pause(1000);
            }
        }
    }

    private void viewRecord(String key, String value) {
        if (key == null) {
            return;
        }
        try {
            if (key.startsWith(FileIds.READ)) {
                String id = key.substring(FileIds.READ.length());
                if (value == null) {
                    reads.remove(id);
                } else {
                    reads.put(id, json.readValue(value, FileRead.class));
                }
            } else if (key.startsWith(FileIds.TALLY)) {
                String id = key.substring(FileIds.TALLY.length());
                if (value == null) {
                    viewTallies.remove(id);
                } else {
                    FileTally t = json.readValue(value, FileTally.class);
                    viewTallies.put(id, t);
                    etas.computeIfAbsent(id, k -> new Eta(60_000)).observe(System.nanoTime() / 1_000_000, t.requests());
                }
            }
        } catch (IOException | RuntimeException e) {
            LOG.debug("A record on '{}' that is not a file's progress ({}): passed over", stateTopic, key);
        }
    }

    /**
     * Forgets drops that ended long ago (kept while the list shows them, and while a drop of the same
     * content would repeat them); the tracker logs each open drop's line now and then.
     */
    private void tidyAndLog() {
        Instant forgetBefore = Instant.now().minusMillis(endedShownMs + rememberedMs);
        for (Map.Entry<String, FileTally> e : viewTallies.entrySet()) {
            FileTally t = e.getValue();
            if (t.ended() && t.endedAt() != null && parse(t.endedAt()).isBefore(forgetBefore)) {
                reads.remove(e.getKey());
                viewTallies.remove(e.getKey());
                etas.remove(e.getKey());
                lastLine.remove(e.getKey());
            }
        }
        if (!tracking.getAsBoolean()) {
            return;
        }
        long now = System.nanoTime() / 1_000_000;
        for (FileStatus s : statuses()) {
            if (!s.open()) {
                continue;
            }
            Long last = lastLine.putIfAbsent(s.fileId(), now);
            if (last != null && now - last >= progressIntervalMs) {
                lastLine.put(s.fileId(), now);
                PROGRESS.info("{}", s.line());
            }
        }
    }

    private static Instant parse(String at) {
        try {
            return Instant.parse(at);
        } catch (RuntimeException e) {
            return Instant.EPOCH;
        }
    }

    /** The drops in progress and those ended lately, oldest taken first. */
    List<FileStatus> statuses() {
        List<FileStatus> out = new ArrayList<>();
        Instant shownAfter = Instant.now().minusMillis(endedShownMs);
        for (FileRead r : reads.values()) {
            FileTally t = viewTallies.get(r.fileId());
            if (t != null && t.ended() && t.endedAt() != null && parse(t.endedAt()).isBefore(shownAfter)) {
                continue;
            }
            Eta eta = etas.get(r.fileId());
            long etaMs = eta == null ? -1 : eta.remainingMs(Eta.expectedRequests(r));
            out.add(FileStatus.of(r, t, etaMs));
        }
        out.sort(Comparator.comparing(FileStatus::takenAt, Comparator.nullsFirst(Comparator.naturalOrder()))
                .thenComparing(FileStatus::fileId));
        return out;
    }

    /** The endpoint's answer: a JSON list of {@link FileStatus}. */
    String statusesJson() {
        try {
            return json.writeValueAsString(statuses());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The drops the view knows. */
    Set<String> known() {
        return new HashSet<>(reads.keySet());
    }
}
