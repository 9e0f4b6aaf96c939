package dev.tnorders.opentact.config;

import java.util.function.Function;

import org.apache.camel.CamelContext;

import dev.tnorders.opentact.kafka.GroupInstanceIds;
import dev.tnorders.opentact.kafka.KafkaClientSettings;
import dev.tnorders.opentact.kafka.TransactionalIds;

/**
 * Which transactional id the order journal's producer uses, and why (the journal logs both):
 * <ol>
 * <li>{@code opentact.kafka.transactional-id} set: that one.</li>
 * <li>else, when this instance's requests consumers have a static group instance id
 *     ({@link StaticInstance}, the same one they join with): {@link TransactionalIds#derived} from
 *     it, stable across restarts of the instance, so that a restart's {@code initTransactions}
 *     aborts at once the transaction its killed predecessor left open.</li>
 * <li>else ({@code opentact.kafka.group-instance-id=none}, {@code opentact.kafka.consumers=0}, no
 *     slot could be locked, or a journal made outside an application): {@link TransactionalIds#newDefault},
 *     new at every start; a killed predecessor's open transaction is then aborted by the broker
 *     after the transaction timeout.</li>
 * </ol>
 * Two live processes with one id fence each other's producer; the fenced one takes an id of its
 * own for good (the journal's producer), so that cannot go back and forth. Who may write a
 * request's entries is fenced by the consumer group's generation, not by this id.
 */
public final class JournalTransactionalId {

    public static final String KEY = "opentact.kafka.transactional-id";

    /**
     * The id and why it is that one.
     *
     * @param derived whether it was derived from the static group instance id (which the requests
     *                consumers may find taken by another running process: then the journal takes an
     *                id of its own too)
     */
    public record Choice(String id, String why, boolean derived) {
    }

    /** Gives this application's static instance of a group (its consumers' own, {@link StaticInstance#shared}). */
    public interface StaticInstances {
        StaticInstance of(String groupId, String groupInstanceId, String instanceLockDir);
    }

    private JournalTransactionalId() {
    }

    /**
     * @param configured the journal's {@code opentact.kafka.transactional-id} (blank: unset)
     * @param kafka      the journal's Kafka settings: their Camel context gives the application's settings
     */
    public static Choice choose(String configured, String journalTopic, KafkaClientSettings kafka) {
        if (configured != null && !configured.isBlank()) {
            return configured(configured);
        }
        CamelContext context = kafka == null ? null : kafka.getCamelContext();
        if (context == null) {
            return random(journalTopic, "no application settings to derive it from (a journal made by a tool or "
                    + "a test)");
        }
        return choose(configured, journalTopic,
                key -> context.resolvePropertyPlaceholders("{{setting:" + key + "}}"),
                (group, instanceId, lockDir) -> StaticInstance.shared(context, group, instanceId, lockDir));
    }

    /**
     * @param settings the value of an {@code opentact.*} key (set, or its default)
     * @param statics  the application's static instance of a group
     */
    public static Choice choose(String configured, String journalTopic, Function<String, String> settings,
                                StaticInstances statics) {
        if (configured != null && !configured.isBlank()) {
            return configured(configured);
        }
        String groupId;
        String groupInstanceId;
        String lockDir;
        try {
            String consumers = settings.apply("opentact.kafka.consumers");
            if (consumers != null && !consumers.isBlank() && Integer.parseInt(consumers.strip()) <= 0) {
                return random(journalTopic, "this instance has no requests consumers (opentact.kafka.consumers="
                        + consumers.strip() + "), so no static group instance id");
            }
            groupId = settings.apply("opentact.kafka.group-id");
            groupInstanceId = settings.apply(GroupInstanceIds.KEY);
            lockDir = settings.apply("opentact.kafka.instance-lock-dir");
        } catch (RuntimeException e) {
            return random(journalTopic, "the settings it is derived from could not be read (" + e + ")");
        }
        if (GroupInstanceIds.modeOf(groupInstanceId) == GroupInstanceIds.Mode.NONE) {
            return random(journalTopic, "static group membership is off (" + GroupInstanceIds.KEY + "="
                    + GroupInstanceIds.NONE + ")");
        }
        StaticInstance instance;
        try {
            instance = statics.of(groupId, groupInstanceId, lockDir);
        } catch (IllegalArgumentException e) {
            // A group-instance-id Kafka refuses: the requests consumers say so when they start.
            return random(journalTopic, "no usable static group instance id (" + e.getMessage() + ")");
        }
        if (instance.id() == null) {
            return random(journalTopic, "no static group instance id: " + instance.describe());
        }
        return new Choice(TransactionalIds.derived(journalTopic, groupId, instance.id()),
                "derived from the requests consumers' static group instance id " + instance.describe() + " in group '"
                        + groupId + "': the same when this instance starts again, so its start aborts at once what a "
                        + "killed predecessor left open", true);
    }

    private static Choice configured(String configured) {
        return new Choice(configured.strip(), "set by " + KEY, false);
    }

    private static Choice random(String journalTopic, String why) {
        return new Choice(TransactionalIds.newDefault(journalTopic), "random, new at this start: " + why + "; what a "
                + "killed predecessor left open is aborted by the broker after the transaction timeout", false);
    }
}
