package dev.tnorders.opentact.journal;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;

import com.fasterxml.jackson.databind.ObjectMapper;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import dev.tnorders.opentact.kafka.KafkaClientSettings;
import dev.tnorders.opentact.model.RecordHeaders;

import static org.assertj.core.api.Assertions.assertThat;

/** What the catch-up reader takes from a record read, without a broker (the real one: {@code OrderJournalIT}). */
class JournalReaderTest {

    private final JournalIndex index = new JournalIndex(new SpendLedger(), 10);
    private final byte[] ours = "writer-a".getBytes(StandardCharsets.UTF_8);
    private final ObjectMapper mapper = new ObjectMapper();
    private final Object lock = new Object();
    // Never started: neither opens a Kafka client.
    private final JournalReader reader = new JournalReader(KafkaClientSettings.plain("127.0.0.1:9"), "journal", index,
            ours, mapper, lock, () -> null, () -> false, LoggerFactory.getLogger(JournalReaderTest.class));
    private final JournalWriter writer = new JournalWriter("journal", "tx-a", id -> {
        throw new AssertionError("no producer in this test");
    }, ours, mapper, index, Clock.systemUTC(), lock, () -> null, LoggerFactory.getLogger(JournalReaderTest.class));

    private static JournalEntry entry(JournalEntry.Phase phase) {
        return new JournalEntry("r1", phase, List.of("+12012000001"), "u1", "2026-11-25", null, null, null);
    }

    private static ConsumerRecord<String, String> read(ProducerRecord<String, String> written) {
        ConsumerRecord<String, String> r = new ConsumerRecord<>(written.topic(), 0, 7L, written.key(), written.value());
        written.headers().forEach(h -> r.headers().add(h));
        return r;
    }

    @Test
    void anEntryReadLateNeverTakesARequestBackToAnEarlierPhase() {
        JournalEntry intent = entry(JournalEntry.Phase.intent);
        JournalEntry placed = entry(JournalEntry.Phase.placed);
        JournalEntry done = entry(JournalEntry.Phase.done);
        assertThat(JournalReader.supersedes(placed, done)).isFalse();
        assertThat(JournalReader.supersedes(intent, placed)).isFalse();
        assertThat(JournalReader.supersedes(done, placed)).isTrue();
        assertThat(JournalReader.supersedes(placed, placed)).isTrue(); // a reconciled order, found again
        assertThat(JournalReader.supersedes(intent, null)).isTrue();
    }

    @Test
    void aRecordThisInstanceWroteIsPassedOverOnceItRemembersItsPhaseOrALaterOne() {
        ConsumerRecord<String, String> placed = read(writer.entryRecord(entry(JournalEntry.Phase.placed)));
        assertThat(reader.alreadyKnown(placed)).isFalse(); // nothing remembered yet (a commit that failed but happened)

        index.put(entry(JournalEntry.Phase.intent), 1L);
        assertThat(reader.alreadyKnown(placed)).isFalse(); // news: a later phase than the one remembered

        index.put(entry(JournalEntry.Phase.placed), 2L);
        assertThat(reader.alreadyKnown(placed)).isTrue();

        index.put(entry(JournalEntry.Phase.done), 3L);
        assertThat(reader.alreadyKnown(placed)).isTrue();
    }

    @Test
    void anotherInstancesRecordOrOneWithoutTheHeadersIsAlwaysRead() {
        index.put(entry(JournalEntry.Phase.done), 3L);
        ConsumerRecord<String, String> theirs = read(writer.entryRecord(entry(JournalEntry.Phase.placed)));
        theirs.headers().remove(RecordHeaders.JOURNAL_WRITER);
        theirs.headers().add(RecordHeaders.JOURNAL_WRITER, "writer-b".getBytes(StandardCharsets.UTF_8));
        assertThat(reader.alreadyKnown(theirs)).isFalse();

        ConsumerRecord<String, String> plain = new ConsumerRecord<>("journal", 0, 8L, "r1", "{}");
        assertThat(reader.alreadyKnown(plain)).isFalse();

        ConsumerRecord<String, String> noPhase = read(writer.entryRecord(entry(JournalEntry.Phase.placed)));
        noPhase.headers().remove(RecordHeaders.JOURNAL_PHASE);
        assertThat(reader.alreadyKnown(noPhase)).isFalse();
    }
}
