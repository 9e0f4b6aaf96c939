package dev.tnorders.opentact.intake;

import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The rules by which instances that watch one inbox share its files (docs/inputs-outputs.md,
 * "Several instances, one inbox"). A file is claimed by renaming it into the claiming instance's
 * own folder {@code <inbox>/.claimed/<instance id>/}: a rename is atomic on a local or NFS
 * filesystem (the name leaves the inbox and appears in one folder in one step), so of two instances
 * renaming the same file only one can win; the other finds the name gone. No Exchange, no I/O here.
 */
public final class ClaimRules {

    /** An instance id is one folder name: letters, digits, {@code . _ -}, not starting with a dot. */
    private static final Pattern INSTANCE_ID = Pattern.compile("[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}");

    private ClaimRules() {
    }

    /**
     * Whether an inbox entry is an order file ready to be claimed: a regular, visible {@code .csv}
     * file (any case of the extension) whose name Camel can read (no backslash: those are renamed
     * first, InboxNames), unchanged for {@code quietMs} (its last modification at least that old),
     * so that a file still being written is not taken half-way.
     */
    public static boolean claimable(String name, boolean regularFile, long lastModifiedMillis, long nowMillis,
                                    long quietMs) {
        return regularFile && isOrderFileName(name) && nowMillis - lastModifiedMillis >= quietMs;
    }

    /**
     * How many more files an instance may claim now: it holds at most {@code maxFiles} (claimed and
     * not done), so that a busy instance leaves the rest of the inbox to the others.
     */
    public static int freeSlots(int maxFiles, int held) {
        return Math.max(0, maxFiles - held);
    }

    /** {@code *.csv} or {@code *.CSV}, not hidden, no backslash (the names csv-intake has always taken). */
    public static boolean isOrderFileName(String name) {
        return name != null && !name.startsWith(".") && !name.contains("\\") && !name.contains("/")
                && (name.endsWith(".csv") || name.endsWith(".CSV")) && name.length() > 4;
    }

    /** The instance id as written, when it is a valid folder name; otherwise an exception naming the key. */
    public static String checkedInstanceId(String id) {
        if (id == null || !INSTANCE_ID.matcher(id).matches()) {
            throw new IllegalArgumentException("opentact.inbox.instance-id must be a folder name (letters, digits, "
                    + "'.', '_', '-', not starting with '.'), not '" + id + "'");
        }
        return id;
    }

    /**
     * Tells whether another instance is gone, from its heartbeat as this instance sees it. An instance
     * rewrites its heartbeat (a file in its claim folder) every check interval while it runs; another
     * instance's folder is stale once its heartbeat has not changed for {@code timeoutMs}, measured on
     * this instance's own monotonic clock from when it first saw that value. Only a change counts,
     * never a time written by the other host, so clocks that disagree between hosts do not matter;
     * after a restart of the watcher, the wait starts again (a folder is never taken early).
     */
    public static final class OwnerWatch {
        private final long timeoutNanos;
        private final Map<String, Seen> seen = new HashMap<>();

        private record Seen(String heartbeat, long sinceNanos) {
        }

        public OwnerWatch(long timeoutMs) {
            if (timeoutMs < 1) {
                throw new IllegalArgumentException("opentact.inbox.claim-timeout-ms must be at least 1, not " + timeoutMs);
            }
            this.timeoutNanos = timeoutMs * 1_000_000L;
        }

        /**
         * @param heartbeat the owner's heartbeat as read now (null: none there)
         * @return whether the owner is gone: its heartbeat unchanged for the timeout
         */
        public synchronized boolean gone(String owner, String heartbeat, long nowNanos) {
            Seen last = seen.get(owner);
            if (last == null || !Objects.equals(last.heartbeat(), heartbeat)) {
                seen.put(owner, new Seen(heartbeat, nowNanos));
                return false;
            }
            return nowNanos - last.sinceNanos() >= timeoutNanos;
        }

        /** Forgets an owner whose folder is no longer there. */
        public synchronized void forget(String owner) {
            seen.remove(owner);
        }
    }
}
