package dev.tnorders.opentact.it.journal;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.tnorders.opentact.it.Invariants;
import dev.tnorders.opentact.it.SandboxAndApp;
import dev.tnorders.opentact.it.TopicProbe;
import dev.tnorders.opentact.journal.OrderJournal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Decisions on a current view (issue 22, item 4): a previous owner of a request wrote its intent in a
 * journal transaction it has not committed yet (frozen between the write and the commit, as a long
 * GC pause does), and a new owner takes the request's partition meanwhile. A read_committed view
 * stops before that open transaction: on it, the new owner would find no intent, price the numbers
 * and POST an order while the previous owner, resuming, commits its intent and POSTs its own. The
 * take-over barrier makes the new owner read past where the journal ended when it took the
 * partition: it waits for the transaction to end, then finds the intent and reconciles, finding
 * the previous owner's order instead of placing a second.
 *
 * <p>Fails without the barrier: the new owner POSTs the number before the intent is visible (the
 * first assertion), and the number is then in two orders ({@link Invariants}).
 */
class TakeoverBarrierIT extends SandboxAndApp {

    private static final Logger LOG = LoggerFactory.getLogger(TakeoverBarrierIT.class);
    private static final Duration LAST_OUTCOME_WITHIN = Duration.ofSeconds(60);
    private static final long TN = 12013090001L;

    @Test
    void aNewOwnerDecidesOnlyOnceAnIntentInATransactionLeftOpenIsCommittedAndThenFindsItsOrder() throws Exception {
        app = app();
        String journalTopic = app.topic("journal");
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, app.brokers))) {
            admin.createTopics(List.of(new NewTopic(journalTopic, 1, (short) 1)
                    .configs(Map.of("cleanup.policy", "compact")))).all().get(30, TimeUnit.SECONDS);
        }
        String id = "hidden-intent";
        Invariants.Expected expected = new Invariants.Expected().kafka(id, TN).stockIn(sandbox);

        // The previous owner: its intent written, its transaction open (it froze before the commit).
        KafkaProducer<String, String> previousOwner = transactionalProducer(app.brokers, "previous-owner-" + app.prefix);
        try {
            previousOwner.initTransactions();
            previousOwner.beginTransaction();
            long intentAt = System.currentTimeMillis();
            String entry = "{\"request_id\":\"" + id + "\",\"phase\":\"intent\",\"tns\":[\"+" + TN + "\"],\"day\":\""
                    + LocalDate.now(ZoneOffset.UTC) + "\",\"intent_at\":" + intentAt + "}";
            previousOwner.send(new ProducerRecord<>(journalTopic, id, entry)).get(30, TimeUnit.SECONDS);

            long start = System.nanoTime();
            TopicProbe.sendAll(app.brokers, app.topic("requests"), List.of(new TopicProbe.Raw(id,
                    ("{\"request_id\":\"" + id + "\",\"tns\":[\"+" + TN + "\"]}").getBytes(StandardCharsets.UTF_8))));
            app.start(); // the new owner: it takes the requests topic's only partition
            OrderJournal journal = app.bean("orderJournal", OrderJournal.class);

            await("the new owner waits at the take-over barrier, or orders").atMost(WAIT)
                    .until(() -> journal.takeoverWait() >= 0 || sandbox.orderAttempts(TN) > 0);
            assertThat(sandbox.orderAttempts(TN))
                    .as("no order POST while the previous owner's intent is in a transaction still open")
                    .isZero();
            LOG.info("The new owner waits to read the journal past offset {}", journal.takeoverWait());

            // The previous owner resumes: its order goes out (within its send deadline), its intent commits.
            String order = sandbox.placeOrder(TN);
            previousOwner.commitTransaction();
            LOG.info("The previous owner placed order {} and committed its intent", order);

            Invariants.Figures f = Invariants.check("takeover-barrier", app.brokers, app.topic("outcomes"),
                    app.topic("numbers"), expected, sandbox, LAST_OUTCOME_WITHIN);
            Duration lastOutcome = Duration.ofNanos(System.nanoTime() - start);
            LOG.info("takeover-barrier: {}; the last outcome {} s after the request", f.summary(), lastOutcome.toSeconds());
            assertThat(f.stateByRequest()).as("the previous owner's order, found by reconciliation")
                    .containsEntry(id, "completed");
            assertThat(sandbox.orderAttempts(TN)).as("one order of the number: the previous owner's").isEqualTo(1);
            assertThat(lastOutcome).isLessThan(LAST_OUTCOME_WITHIN);
        } finally {
            previousOwner.close(Duration.ofSeconds(5));
        }
    }

    private static KafkaProducer<String, String> transactionalProducer(String brokers, String transactionalId) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, brokers);
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
        p.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, 120_000); // held open by the test, not timed out
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 30_000);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        return new KafkaProducer<>(p);
    }
}
