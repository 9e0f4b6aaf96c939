package dev.tnorders.opentact.kafka;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.UUID;

/**
 * The journal producer's default transactional ids, all starting with {@link #defaultPrefix} (its
 * ACL is that PREFIXED name):
 * <ul>
 * <li>{@link #derived}: {@code opentact-order-routes-<journal topic>-<group hash>-<static id>}, from
 *     the requests consumers' static group instance id ({@link GroupInstanceIds}). It follows the
 *     static id's rule: the same across restarts of one instance, never the same for two instances
 *     running at once. A restarted instance's {@code initTransactions} then aborts at once what its
 *     killed predecessor left open (which otherwise holds every read_committed reader of the journal
 *     and the outcomes until the broker's transaction timeout).</li>
 * <li>{@link #newDefault}: {@code opentact-order-routes-<journal topic>-<uuid>}, new at every start,
 *     when there is no static id (static membership off, no requests consumers, no slot locked).</li>
 * </ul>
 */
public final class TransactionalIds {

    /**
     * The longest derived id: room within 249 characters (Kafka's bound for a group.instance.id,
     * kept here too) for the {@code -<8 characters>} a fenced producer's new id adds.
     */
    public static final int DERIVED_MAX = 240;

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

    /**
     * The default id of the instance whose requests consumers join group {@code groupId} with the
     * static id {@code staticId}: the prefix, 8 hex characters of the group id's SHA-256 (two groups
     * on one host may both have {@code <host>-0}, and may share the journal topic), and the static
     * id; when that would be longer than {@link #DERIVED_MAX}, {@code h} and 16 hex characters of the
     * static id's SHA-256 in its place.
     */
    public static String derived(String journalTopic, String groupId, String staticId) {
        if (staticId == null || staticId.isBlank()) {
            throw new IllegalArgumentException("no static group instance id to derive a transactional id from");
        }
        String base = defaultPrefix(journalTopic) + hex(groupId == null ? "" : groupId, 4) + "-";
        String id = base + staticId.strip();
        return id.length() <= DERIVED_MAX ? id : base + "h" + hex(staticId.strip(), 8);
    }

    /** The first {@code bytes} bytes of the text's SHA-256, as hex. */
    private static String hex(String text, int bytes) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(h, 0, bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
