package dev.tnorders.opentact.journal;

import org.slf4j.Logger;

import dev.tnorders.opentact.config.JournalTransactionalId;
import dev.tnorders.opentact.kafka.KafkaClientSettings;

/**
 * The journal's transactional id, chosen once at the first start and logged with why: the one set
 * ({@code opentact.kafka.transactional-id}), one derived from the requests consumers' static group
 * instance id (stable across restarts of this instance: its start aborts what a killed predecessor
 * left open at once), or a random one, which the broker aborts only after
 * {@link JournalWriter#TRANSACTION_TIMEOUT_MS} ({@link JournalTransactionalId}). Remembers whether it
 * was derived, so that a static id found taken by another process moves this journal to an id of its own.
 */
final class TransactionalIdChoice {

    private final String configured;
    private final String topic;
    private final KafkaClientSettings kafka;
    private final JournalWriter writer;
    private volatile boolean chosen;
    private volatile boolean derived;

    TransactionalIdChoice(String configured, String topic, KafkaClientSettings kafka, JournalWriter writer) {
        this.configured = configured == null ? "" : configured.strip();
        this.topic = topic;
        this.kafka = kafka;
        this.writer = writer;
    }

    /** The id set by the setting, or null when it is to be chosen at start. */
    static String configuredOrNull(String configured) {
        return configured == null || configured.isBlank() ? null : configured.strip();
    }

    /** Chooses the id (at the first start only) and says which and why. */
    void choose(Logger log) {
        if (chosen) {
            return;
        }
        JournalTransactionalId.Choice choice = JournalTransactionalId.choose(configured, topic, kafka);
        writer.useTransactionalId(choice.id());
        derived = choice.derived();
        chosen = true;
        log.info("Order journal '{}': transactional id '{}', {}", topic, choice.id(), choice.why());
    }

    /** The static id this journal's id was derived from is used by another process too. */
    void staticIdTaken() {
        if (derived) {
            writer.baseIdContested();
        }
    }
}
