package dev.tnorders.opentact.journal;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two live processes that did get one transactional id (two instances given one static id: the
 * journal's default is derived from it): the later one's start fences the earlier one's producer,
 * whose write in flight is given up (not committed: nothing written twice) and which goes on with
 * an id of its own, for good: they do not fence each other back and forth.
 */
class JournalProducerSharedIdTest {

    /** The transaction coordinator, as far as fencing goes: the last producer that initialised an id holds it. */
    private final Map<String, MockProducer<String, String>> holders = new HashMap<>();
    private final List<String> started = new ArrayList<>();

    private JournalProducer process(AtomicInteger fenced, List<MockProducer<String, String>> made) {
        JournalProducer p = new JournalProducer("opentact-order-routes-j-0a1b2c3d-web-1-0", id -> {
            MockProducer<String, String> producer = new MockProducer<>(true, new StringSerializer(), new StringSerializer()) {
                @Override
                public void initTransactions() {
                    super.initTransactions();
                    MockProducer<String, String> was = holders.put(id, this);
                    if (was != null && was != this) {
                        was.fenceProducer(); // the older producer of this id can no longer write
                    }
                    started.add(id);
                }
            };
            made.add(producer);
            return producer;
        }, System::currentTimeMillis);
        p.onFenced(fenced::incrementAndGet);
        return p;
    }

    private static RuntimeException write(JournalProducer p, String key) {
        return p.transaction(t -> t.send(new ProducerRecord<>("journal", 0, key, "{}")), "could not write " + key);
    }

    @Test
    void theFencedOneTakesAnIdOfItsOwnAndTheyDoNotFenceEachOtherAgain() {
        AtomicInteger aFenced = new AtomicInteger();
        AtomicInteger bFenced = new AtomicInteger();
        List<MockProducer<String, String>> aMade = new ArrayList<>();
        List<MockProducer<String, String>> bMade = new ArrayList<>();
        JournalProducer a = process(aFenced, aMade);
        JournalProducer b = process(bFenced, bMade);
        a.start();
        assertThat(write(a, "a1")).isNull();
        b.start(); // the second process, same id: fences the first

        RuntimeException given = write(a, "a2");
        assertThat(given).as("the fenced write fails: its work is given back, done again from the journal")
                .hasMessageContaining("fenced");
        assertThat(aMade.get(0).history()).extracting(ProducerRecord::key)
                .as("a2 was not committed by the fenced producer").doesNotContain("a2");
        assertThat(aFenced).as("its requests consumers give their partitions up").hasValue(1);

        for (int i = 0; i < 20; i++) {
            assertThat(write(a, "a-" + i)).isNull();
            assertThat(write(b, "b-" + i)).isNull();
        }
        assertThat(a.transactionalId()).startsWith("opentact-order-routes-j-0a1b2c3d-web-1-0-")
                .isNotEqualTo(b.transactionalId());
        assertThat(b.transactionalId()).isEqualTo("opentact-order-routes-j-0a1b2c3d-web-1-0");
        assertThat(aMade).as("one new producer for the fenced process, none more").hasSize(2);
        assertThat(bMade).hasSize(1);
        assertThat(bFenced).hasValue(0);
        assertThat(started).hasSize(3);
        long committed = aMade.stream().mapToLong(MockProducer::commitCount).sum() + bMade.get(0).commitCount();
        assertThat(committed).as("a1 and the 40 writes after the fencing, each once").isEqualTo(41);
    }
}
