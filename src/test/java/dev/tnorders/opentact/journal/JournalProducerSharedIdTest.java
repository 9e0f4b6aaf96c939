package dev.tnorders.opentact.journal;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.TimeoutException;
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
    private static final String BASE = "opentact-order-routes-j-0a1b2c3d-web-1-0";
    private final Map<String, Producer> holders = new HashMap<>();
    private final List<String> started = new ArrayList<>();

    /**
     * A producer as Kafka's: fenced loudly (every call fails with the fence, as MockProducer does), or
     * quietly: the transaction in progress waits out max.block.ms and fails with a timeout, the next
     * transactional call fails with the fence at once (seen with a real broker and client 3.9).
     */
    private final class Producer extends MockProducer<String, String> {
        private final String id;
        private boolean quietlyFenced;
        private int beginsSinceFenced;

        Producer(String id) {
            super(true, new StringSerializer(), new StringSerializer());
            this.id = id;
        }

        @Override
        public void initTransactions() {
            super.initTransactions();
            Producer was = holders.put(id, this);
            if (was != null && was != this && !was.closed()) {
                if (quietFencing) {
                    was.quietlyFenced = true;
                } else {
                    was.fenceProducer(); // the older producer of this id can no longer write
                }
            }
            started.add(id);
        }

        @Override
        public void beginTransaction() {
            if (quietlyFenced && beginsSinceFenced++ > 0) {
                throw new ProducerFencedException("There is a newer producer with the same transactionalId which fences "
                        + "the current one.");
            }
            super.beginTransaction();
        }

        @Override
        public void commitTransaction() {
            if (quietlyFenced) {
                throw new TimeoutException("Timeout expired after 60000ms while awaiting AddOffsetsToTxn");
            }
            super.commitTransaction();
        }
    }

    private boolean quietFencing;

    private JournalProducer process(AtomicInteger fenced, List<MockProducer<String, String>> made) {
        JournalProducer p = new JournalProducer(BASE, id -> {
            Producer producer = new Producer(id);
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

    @Test
    void fencedQuietlyATimeoutThenTheFenceItTakesAnIdOfItsOwnToo() {
        quietFencing = true;
        AtomicInteger aFenced = new AtomicInteger();
        AtomicInteger bFenced = new AtomicInteger();
        List<MockProducer<String, String>> aMade = new ArrayList<>();
        List<MockProducer<String, String>> bMade = new ArrayList<>();
        JournalProducer a = process(aFenced, aMade);
        JournalProducer b = process(bFenced, bMade);
        a.start();
        b.start();

        assertThat(write(a, "a1")).hasMessageContaining("TimeoutException").hasMessageContaining("fenced meanwhile");
        assertThat(aFenced).hasValue(1);
        for (int i = 0; i < 20; i++) {
            assertThat(write(a, "a-" + i)).isNull();
            assertThat(write(b, "b-" + i)).isNull();
        }
        assertThat(a.transactionalId()).startsWith(BASE + "-");
        assertThat(b.transactionalId()).isEqualTo(BASE);
        assertThat(bFenced).as("not fenced back: the fenced one did not start again with the same id").hasValue(0);
        assertThat(started).containsExactly(BASE, BASE, a.transactionalId());
    }

    @Test
    void toldThatTheStaticIdIsTakenItTakesAnIdOfItsOwnWithoutFencingTheOther() {
        AtomicInteger aFenced = new AtomicInteger();
        AtomicInteger bFenced = new AtomicInteger();
        List<MockProducer<String, String>> aMade = new ArrayList<>();
        List<MockProducer<String, String>> bMade = new ArrayList<>();
        JournalProducer a = process(aFenced, aMade);
        JournalProducer b = process(bFenced, bMade);
        a.start();
        assertThat(write(a, "a0")).isNull();
        b.start(); // the newer process, same static id, same derived transactional id: a's producer is fenced
        // a's consumers are fenced by b's too, before a's next write: its static id is taken
        a.baseIdContested();

        assertThat(write(a, "a1")).as("a new producer with an id of its own writes at once").isNull();
        assertThat(a.transactionalId()).startsWith(BASE + "-");
        assertThat(aMade).hasSize(2);
        assertThat(aMade.get(0).closed()).isTrue();
        assertThat(write(b, "b1")).as("the other process's producer is not fenced").isNull();
        assertThat(bFenced).hasValue(0);
        assertThat(aFenced).as("no write of a failed on the fence").hasValue(0);
        // and it never goes back to the base id, even when a failure makes it start another one
        aMade.get(1).commitTransactionException = new TimeoutException("Timeout expired after 3000ms while awaiting EndTxn(true)");
        assertThat(write(a, "a2")).isNotNull();
        String own = a.transactionalId();
        assertThat(write(a, "a3")).isNull();
        assertThat(a.transactionalId()).isEqualTo(own).isNotEqualTo(BASE);
    }
}
