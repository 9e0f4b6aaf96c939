package dev.tnorders.opentact.kafka;

import java.util.UUID;

/**
 * The journal producer's default transactional id, {@code opentact-order-routes-<journal topic>-<uuid>}:
 * new at every start, so two instances (or two processes on one host) never share one and fence
 * each other; its ACL is the PREFIXED name {@link #defaultPrefix}.
 */
public final class TransactionalIds {

    private TransactionalIds() {
    }

    /** What every default id for this journal starts with. */
    public static String defaultPrefix(String journalTopic) {
        return "opentact-order-routes-" + journalTopic + "-";
    }

    /** A new default id for this journal. */
    public static String newDefault(String journalTopic) {
        return defaultPrefix(journalTopic) + UUID.randomUUID();
    }
}
