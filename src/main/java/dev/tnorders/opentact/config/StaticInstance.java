package dev.tnorders.opentact.config;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.WeakHashMap;

import dev.tnorders.opentact.kafka.GroupInstanceIds;
import dev.tnorders.opentact.kafka.InstanceSlot;

/**
 * This instance's static id in the requests consumer group ({@link GroupInstanceIds}), decided
 * once per application and shared by the two that need it: the requests consumers join the group
 * with it, and the order journal derives its default transactional id from it
 * ({@link JournalTransactionalId}). The journal starts first (its initTransactions, before the
 * consumers run), so whichever asks first locks the slot, and the other gets the same answer:
 * {@link #shared}, one per application (its Camel context) and group.
 *
 * <ul>
 * <li>{@link Kind#CONFIGURED}: {@code opentact.kafka.group-instance-id} set, that id.</li>
 * <li>{@link Kind#DERIVED}: unset, {@code <host name>-<slot>}, the slot locked in the lock folder
 *     ({@link InstanceSlot}) and held until {@link #release()} or the process ends.</li>
 * <li>{@link Kind#OFF}: {@code none}; {@link Kind#NO_SLOT}: no slot could be locked. No id.</li>
 * </ul>
 */
public final class StaticInstance {

    /** How the id was decided. */
    public enum Kind { CONFIGURED, DERIVED, OFF, NO_SLOT }

    /** Application (Camel context) → its instances, by group, set and lock folder. Weak: a context gone is forgotten. */
    private static final Map<Object, Map<String, StaticInstance>> SHARED = new WeakHashMap<>();

    private final Kind kind;
    private final String id;
    private final Path lockDir;
    private final String failure;
    private InstanceSlot slot;
    private Runnable forget = () -> { };

    private StaticInstance(Kind kind, String id, Path lockDir, InstanceSlot slot, String failure) {
        this.kind = kind;
        this.id = id;
        this.lockDir = lockDir;
        this.slot = slot;
        this.failure = failure;
    }

    /**
     * Decides the id now (a slot of its own when derived).
     *
     * @param configured      {@code opentact.kafka.group-instance-id}: blank derives it, {@code none} turns it off
     * @param instanceLockDir where the derived id's slot is locked; blank: {@code <java.io.tmpdir>/opentact-instances}
     * @throws IllegalArgumentException for a configured id Kafka would refuse
     */
    public static StaticInstance resolve(String groupId, String configured, String instanceLockDir) {
        switch (GroupInstanceIds.modeOf(configured)) {
            case NONE:
                return new StaticInstance(Kind.OFF, null, null, null, null);
            case EXPLICIT:
                return new StaticInstance(Kind.CONFIGURED, GroupInstanceIds.checked(configured), null, null, null);
            default:
                Path dir = lockDir(instanceLockDir);
                InstanceSlot s;
                try {
                    s = InstanceSlot.take(dir, groupId, InstanceSlot.MAX_SLOTS);
                } catch (IOException | RuntimeException e) {
                    return new StaticInstance(Kind.NO_SLOT, null, dir, null, e.toString());
                }
                return new StaticInstance(Kind.DERIVED, GroupInstanceIds.derived(HostInstanceId.current(), s.slot()),
                        dir, s, null);
        }
    }

    /**
     * The application's instance for this group: decided at the first ask (see {@link #resolve}),
     * the same one after it until it is released.
     *
     * @param application what the instance belongs to (the Camel context); null: one of its own, not shared
     */
    public static StaticInstance shared(Object application, String groupId, String configured, String instanceLockDir) {
        if (application == null) {
            return resolve(groupId, configured, instanceLockDir);
        }
        String key = groupId + "\n" + (configured == null ? "" : configured.strip()) + "\n"
                + (instanceLockDir == null ? "" : instanceLockDir.strip());
        synchronized (SHARED) {
            Map<String, StaticInstance> ofApplication = SHARED.computeIfAbsent(application, a -> new HashMap<>());
            StaticInstance found = ofApplication.get(key);
            if (found != null) {
                return found;
            }
            StaticInstance made = resolve(groupId, configured, instanceLockDir);
            made.forget = () -> {
                synchronized (SHARED) {
                    ofApplication.remove(key, made);
                }
            };
            ofApplication.put(key, made);
            return made;
        }
    }

    private static Path lockDir(String instanceLockDir) {
        return instanceLockDir == null || instanceLockDir.isBlank()
                ? Path.of(System.getProperty("java.io.tmpdir"), "opentact-instances")
                : Path.of(instanceLockDir.strip());
    }

    public Kind kind() {
        return kind;
    }

    /** The instance's id in the group (consumer n: {@code <id>-<n>}); null: none (dynamic members). */
    public String id() {
        return id;
    }

    /** Where the slot was (or could not be) locked; null when none was needed. */
    public Path lockDir() {
        return lockDir;
    }

    /** Why no slot could be locked ({@link Kind#NO_SLOT}), else null. */
    public String failure() {
        return failure;
    }

    /** The slot the derived id was locked in, -1 when none. */
    public synchronized int slot() {
        return slot == null ? -1 : slot.slot();
    }

    /** The slot is free again (the consumers stopped), and the application asks anew next time. */
    public synchronized void release() {
        if (slot != null) {
            slot.close();
            slot = null;
        }
        forget.run();
    }

    /** How the id was decided, in a few words for a log line. */
    public String describe() {
        return switch (kind) {
            case CONFIGURED -> "'" + id + "' (" + GroupInstanceIds.KEY + ")";
            case DERIVED -> "'" + id + "' (the host name and slot " + slot() + " locked in " + lockDir + ")";
            case OFF -> "none (" + GroupInstanceIds.KEY + "=" + GroupInstanceIds.NONE + ")";
            case NO_SLOT -> "none (no slot could be locked in " + lockDir + ": " + failure + ")";
        };
    }
}
