package dev.tnorders.opentact.it.journal;

import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.apache.camel.impl.DefaultCamelContext;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.tnorders.opentact.config.StaticInstance;
import dev.tnorders.opentact.it.SharedKafka;
import dev.tnorders.opentact.journal.Fencing;
import dev.tnorders.opentact.journal.OrderJournal;
import dev.tnorders.opentact.kafka.KafkaClientSettings;
import dev.tnorders.opentact.kafka.TransactionalIds;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A restarted instance is not held up by the journal transaction its killed predecessor left open:
 * the journal's default transactional id is derived from the instance's static group instance id
 * (host name and slot, as in the app), the same at the restart, whose {@code initTransactions}
 * aborts that transaction at once. Before, the id was random per start and every read_committed
 * reader (the restarted journal's read past the take-over barrier, the outcomes' consumers) waited
 * for the broker to time the transaction out (15 s, and up to ~10 s more for its abort check):
 * what made RestartReturnIT miss its 20 s bound at size.
 *
 * <p>{@code -Dtxid.group-instance-id=none} restarts without static membership (so a random id): then
 * the read waits for the broker's abort and the bound is missed (the check that the test can fail).
 */
class RestartAbortsOpenTransactionIT {

    private static final Logger LOG = LoggerFactory.getLogger(RestartAbortsOpenTransactionIT.class);
    /** The restarted journal's first read past the take-over: well below the broker's 15 s timeout. */
    private static final Duration BOUND = Duration.ofSeconds(5);

    @TempDir
    Path lockDir;

    /** One start of the app, as far as the journal goes: its settings in a Camel context, as the app wires them. */
    private DefaultCamelContext application(String group, String groupInstanceId) {
        DefaultCamelContext context = new DefaultCamelContext();
        Properties p = new Properties();
        p.setProperty("opentact.kafka.group-id", group);
        p.setProperty("opentact.kafka.instance-lock-dir", lockDir.toString());
        p.setProperty("opentact.kafka.consumers", "2");
        p.setProperty("opentact.kafka.group-instance-id", groupInstanceId);
        context.getPropertiesComponent().setInitialProperties(p);
        return context;
    }

    private OrderJournal journal(DefaultCamelContext context, String topic) {
        KafkaClientSettings kafka = KafkaClientSettings.plain(SharedKafka.bootstrapServers());
        kafka.setCamelContext(context);
        return new OrderJournal(kafka, topic, topic + "-outcomes", topic + "-numbers", "");
    }

    @Test
    void theRestartAbortsWhatTheKilledProcessLeftOpen() throws Exception {
        String restartGroupInstanceId = System.getProperty("txid.group-instance-id", "");
        String p = "txid" + UUID.randomUUID().toString().substring(0, 6) + ".";
        String topic = p + "journal";
        String group = p + "orders";

        // The first start: its journal's id is derived from its static id (host name, slot 0).
        String firstId;
        try (DefaultCamelContext first = application(group, "")) {
            OrderJournal journal = journal(first, topic);
            journal.start();
            firstId = journal.transactionalId();
            journal.stop();
            // killed: the OS lets its slot go
            StaticInstance.shared(first, group, "", lockDir.toString()).release();
        }
        assertThat(firstId).startsWith(TransactionalIds.defaultPrefix(topic)).endsWith("-0");

        // What the kill left: a journal transaction of that producer open (an intent, never committed).
        Properties pp = new Properties();
        pp.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, SharedKafka.bootstrapServers());
        pp.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, firstId);
        pp.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, 15_000); // the journal's own (JournalWriter)
        pp.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 30_000);
        pp.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        pp.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        KafkaProducer<String, String> killed = new KafkaProducer<>(pp);
        killed.initTransactions();
        killed.beginTransaction();
        killed.send(new ProducerRecord<>(topic, "r1", "{\"request_id\":\"r1\",\"phase\":\"intent\",\"tns\":[\"+13125550100\"],"
                + "\"day\":\"" + LocalDate.now(ZoneOffset.UTC) + "\",\"intent_at\":" + System.currentTimeMillis() + "}"))
                .get(30, TimeUnit.SECONDS);
        killed.close(Duration.ZERO); // no abort: as SIGKILL leaves it
        long killedAt = System.nanoTime();

        // Started again at once, as the same instance.
        try (DefaultCamelContext again = application(group, restartGroupInstanceId)) {
            OrderJournal journal = journal(again, topic);
            // It takes a partition of the requests topic: its next read goes past the take-over barrier,
            // to where the journal ended (the open transaction's intent included).
            journal.fencedBy(new Fencing() {
                @Override
                public Fence acquire(java.util.Collection<String> requestIds) {
                    return null;
                }

                @Override
                public long takeovers() {
                    return 1;
                }
            }, () -> { });
            journal.setStaleAfterMs(60_000);
            long startedAt = System.nanoTime();
            journal.start();
            try {
                long readAt = System.nanoTime();
                assertThat(journal.lookup("r1")).as("the killed process's intent, aborted: never seen").isNull();
                long done = System.nanoTime();
                Duration read = Duration.ofNanos(done - readAt);
                Duration sinceKill = Duration.ofNanos(done - killedAt);
                LOG.info("txid: restarted journal's transactional id {} (the killed one's {}); start {} ms, its read past "
                                + "the take-over {} ms, {} ms after the kill", journal.transactionalId(), firstId,
                        TimeUnit.NANOSECONDS.toMillis(readAt - startedAt), read.toMillis(), sinceKill.toMillis());
                assertThat(sinceKill).as("from the kill to a current view of the journal").isLessThan(BOUND);
                assertThat(journal.transactionalId()).isEqualTo(firstId);
            } finally {
                journal.stop();
                StaticInstance.shared(again, group, restartGroupInstanceId, lockDir.toString()).release();
            }
        }
    }
}
