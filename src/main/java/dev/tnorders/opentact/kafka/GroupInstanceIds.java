package dev.tnorders.opentact.kafka;

import java.util.regex.Pattern;

/**
 * The requests consumers' static group membership ({@code group.instance.id}, KIP-345): a restarted
 * instance that joins with the ids its killed process had gets that process's partitions back at
 * once, without waiting for the old members' session to expire. Two live processes with one id
 * fence each other, so the rule for an id is: the same across restarts of one instance, never the
 * same for two instances running at once.
 *
 * <ul>
 * <li>{@code opentact.kafka.group-instance-id} set: that is the instance's id (the operator keeps it
 *     distinct per instance, e.g. a StatefulSet's pod name).</li>
 * <li>unset: {@code <host name>-<slot>}, the slot being the first of 0, 1, 2, ... whose lock file
 *     in {@code opentact.kafka.instance-lock-dir} this process could lock for the group
 *     ({@link InstanceSlot}): a second process on the same host takes slot 1, a restarted one takes
 *     its slot again (the lock of a killed process is released by the OS).</li>
 * <li>{@code none}: no static membership (each consumer a dynamic member, as before).</li>
 * </ul>
 * Consumer thread {@code n} of the instance joins as {@code <id>-<n>}.
 */
public final class GroupInstanceIds {

    /** The key that sets it. */
    public static final String KEY = "opentact.kafka.group-instance-id";
    /** Its value that turns static membership off. */
    public static final String NONE = "none";
    /** Kafka's rule for a group.instance.id: these characters, at most 249 of them. */
    private static final Pattern LEGAL = Pattern.compile("[A-Za-z0-9._-]{1,200}");
    /** Room for {@code -<slot>-<consumer>} after a host name within Kafka's 249. */
    private static final int HOST_MAX = 200;

    private GroupInstanceIds() {
    }

    /** What the setting asks for: derive ({@code ""}), off ({@code none}), or this id. */
    public enum Mode { DERIVED, NONE, EXPLICIT }

    /** The mode a value of {@link #KEY} asks for (blank: derived). */
    public static Mode modeOf(String configured) {
        if (configured == null || configured.isBlank()) {
            return Mode.DERIVED;
        }
        return NONE.equalsIgnoreCase(configured.strip()) ? Mode.NONE : Mode.EXPLICIT;
    }

    /** A configured id as it is used; otherwise an exception naming the key and the rule. */
    public static String checked(String configured) {
        String id = configured == null ? "" : configured.strip();
        if (!LEGAL.matcher(id).matches()) {
            throw new IllegalArgumentException(KEY + " must be 1 to 200 letters, digits, '.', '_' or '-' (or '"
                    + NONE + "', or unset to derive it from the host name), not '" + configured + "'");
        }
        return id;
    }

    /** The derived id: the host name (every other character as {@code _}) and the slot. */
    public static String derived(String hostName, int slot) {
        if (slot < 0) {
            throw new IllegalArgumentException("slot must not be negative: " + slot);
        }
        String h = hostName == null || hostName.isBlank() ? "localhost" : hostName.strip();
        h = h.replaceAll("[^A-Za-z0-9._-]", "_");
        if (h.length() > HOST_MAX) {
            h = h.substring(0, HOST_MAX);
        }
        return h + "-" + slot;
    }

    /** The group.instance.id of consumer thread {@code consumer} of the instance {@code instanceId}. */
    public static String member(String instanceId, int consumer) {
        return instanceId + "-" + consumer;
    }
}
