package dev.tnorders.opentact.intake;

import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.MemberToRemove;
import org.apache.kafka.clients.admin.RemoveMembersFromConsumerGroupOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.tnorders.opentact.config.StaticInstance;
import dev.tnorders.opentact.kafka.GroupInstanceIds;
import dev.tnorders.opentact.kafka.KafkaClientSettings;

/**
 * The requests consumers' static membership of their group ({@link GroupInstanceIds}): the instance's
 * id in the group (given, derived from a slot locked for it, or none: {@link StaticInstance}, shared
 * with the order journal's default transactional id), the ids another live process took from it,
 * and the members a stopped instance removes from the group.
 */
final class StaticMembership {

    /** The requests consumers' logger (RequestConsumers): the logs read as they did. */
    private static final Logger LOG = LoggerFactory.getLogger("dev.tnorders.opentact.intake.RequestConsumers");

    private final KafkaClientSettings kafka;
    private final String groupId;
    private final String groupInstanceId;
    private final String instanceLockDir;
    private final int sessionTimeoutMs;
    /** The instance's id in the group (consumer n: {@code <id>-<n>}); null: dynamic members. */
    private volatile String instanceId;
    private StaticInstance instance;
    /** The group.instance.ids another live process took from this one (fenced). */
    private final Set<String> taken = ConcurrentHashMap.newKeySet();
    private volatile Runnable onTaken = () -> { };

    /**
     * @param groupInstanceId {@code opentact.kafka.group-instance-id}: blank derives it, {@code none} turns it off
     * @param instanceLockDir where the derived id's slot is locked; blank: {@code <java.io.tmpdir>/opentact-instances}
     */
    StaticMembership(KafkaClientSettings kafka, String groupId, String groupInstanceId, String instanceLockDir,
                     int sessionTimeoutMs) {
        this.kafka = kafka;
        this.groupId = groupId;
        this.groupInstanceId = groupInstanceId;
        this.instanceLockDir = instanceLockDir;
        this.sessionTimeoutMs = sessionTimeoutMs;
    }

    /**
     * Settles the instance's id in the group (the consumers start): null for dynamic membership.
     *
     * @param application the application (Camel context) whose static instance this is: the order
     *                    journal may have decided it already (its default transactional id is derived
     *                    from it, {@link StaticInstance}); null: decided here alone
     */
    String resolve(Object application) {
        StaticInstance decided = StaticInstance.shared(application, groupId, groupInstanceId, instanceLockDir);
        instance = decided;
        if (decided.kind() == StaticInstance.Kind.NO_SLOT) {
            LOG.warn("No static group membership: could not lock a slot for group {} in {} ({}). A killed "
                    + "instance's partitions wait for opentact.kafka.session-timeout-ms ({} ms) before they "
                    + "move; set opentact.kafka.group-instance-id (OPENTACT_KAFKA_GROUP_INSTANCE_ID) per "
                    + "instance, or opentact.kafka.instance-lock-dir to a writable folder",
                    groupId, decided.lockDir(), decided.failure(), sessionTimeoutMs);
        }
        instanceId = decided.id();
        return instanceId;
    }

    /** The instance's id in the group; null: dynamic members (or not resolved yet). */
    String instanceId() {
        return instanceId;
    }

    /** Told when another live process took one of this instance's ids (the journal: its derived transactional id). */
    void onTaken(Runnable onTaken) {
        this.onTaken = onTaken == null ? () -> { } : onTaken;
    }

    /** Another live process joined the group with this id: a consumer fenced by it no longer uses it. */
    void taken(String id) {
        if (taken.add(id)) {
            onTaken.run();
        }
    }

    /**
     * How this instance's consumers are members of the group, for the log and the health check.
     *
     * @param ids the static ids the consumers use now
     */
    String describe(List<String> ids) {
        String id = instanceId;
        String m = !ids.isEmpty() ? "static group members " + String.join(", ", ids)
                : id != null && taken.isEmpty() ? "static group members " + GroupInstanceIds.member(id, 0) + ".."
                : "dynamic group members";
        return taken.isEmpty() ? m : m + "; group.instance.id " + String.join(", ", new TreeSet<>(taken))
                + " taken by another running process (two instances with one id: give each its own "
                + GroupInstanceIds.KEY + ")";
    }

    /**
     * A static member does not leave the group when its consumer closes (it is expected back): its
     * partitions would wait for the session timeout. A stopped instance removes its members itself.
     */
    void leave(List<String> ids) {
        if (ids.isEmpty()) {
            return;
        }
        Properties p = kafka.clientProperties("opentact-intake-leave-" + groupId);
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000);
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 5_000);
        Admin admin = null;
        try {
            admin = Admin.create(p);
            admin.removeMembersFromConsumerGroup(groupId, new RemoveMembersFromConsumerGroupOptions(
                    ids.stream().map(MemberToRemove::new).toList()).timeoutMs(5_000)).all().get(6, TimeUnit.SECONDS);
            LOG.info("Requests consumers {} left group {}: their partitions move to the other members now", ids,
                    groupId);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            LOG.warn("Requests consumers {} could not leave group {} ({}): their partitions move after "
                    + "opentact.kafka.session-timeout-ms, or at once if this instance starts again with the same ids",
                    ids, groupId, kafka.mask(e.toString()));
        } finally {
            if (admin != null) {
                admin.close(Duration.ofSeconds(2));
            }
        }
    }

    /** The slot the derived id was locked in is free again (the consumers stopped). */
    void release() {
        StaticInstance i = instance;
        if (i != null) {
            i.release();
            instance = null;
        }
    }
}
