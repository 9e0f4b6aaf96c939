package dev.tnorders.opentact.client;

/**
 * This instance's share of the account's rate limit towards Opentact: the account's limit
 * ({@code opentact.api.rate-limit} calls per {@code opentact.api.rate-limit-window-ms}) split over
 * the members of the requests consumer group ({@code opentact.kafka.group-id}) in proportion to
 * the members this instance runs ({@code opentact.kafka.consumers}):
 * {@code share = floor(limit × mine / total)} ({@code opentact.api.rate-share-percent}, 90%, of it
 * while other instances are there), never below one call per window.
 *
 * <p>Rounding down keeps the sum over every instance within the limit. Which of the group's
 * members are this instance's cannot be told from the group's description (client ids repeat
 * across JVMs), so the rule stays on the safe side where it cannot know:
 * <ul>
 *   <li>before any answer from Kafka, one call per window;</li>
 *   <li>until this instance has been seen join (its own members' ids are in the group, or the
 *       group grew by {@code mine} over the members first seen, or {@link #JOIN_GRACE_MS} passed),
 *       its members are counted on top of those seen;</li>
 *   <li>while the group rebalances, the share never grows (a member is joining or leaving);</li>
 *   <li>when Kafka does not answer, the share stays as it was.</li>
 * </ul>
 * Not thread-safe: one refresh thread calls {@link #observe}; readers use {@link #share()}'s
 * volatile value.
 */
public final class RateShare {

    /**
     * After this long the instance counts itself as joined even if the group never grew by its
     * members (another instance left while it joined): its consumers join within seconds.
     */
    static final long JOIN_GRACE_MS = 60_000;

    /**
     * What a look at the group found: its members, whether it is rebalancing, and whether this
     * instance's own members (by their member ids) are among them: then it has joined, whether or
     * not the group grew (a restarted static member takes its old place instead of adding one).
     */
    public record Group(int members, boolean rebalancing, boolean mineSeen) {
        public Group {
            if (members < 0) {
                throw new IllegalArgumentException("members must not be negative, was " + members);
            }
        }

        public Group(int members, boolean rebalancing) {
            this(members, rebalancing, false);
        }
    }

    private final long limit;
    private final int mine;
    private final int severalPercent;
    /** When this instance began joining: at start, or again after a pause ({@link #rejoin}). */
    private long startedAtMs;
    private Integer firstSeen;
    private boolean joined;
    private int lastTotal;
    private volatile long share = 1;

    /**
     * @param limit       the account's calls per window
     * @param mine        this instance's members of the group (its consumer threads)
     * @param startedAtMs when this instance started looking (for {@link #JOIN_GRACE_MS})
     */
    public RateShare(long limit, int mine, long startedAtMs) {
        this(limit, mine, startedAtMs, SEVERAL_PERCENT);
    }

    /**
     * @param severalPercent the part of its share an instance keeps while other instances are
     *                       members ({@code opentact.api.rate-share-percent}, 1 to 100)
     */
    public RateShare(long limit, int mine, long startedAtMs, int severalPercent) {
        if (severalPercent < 1 || severalPercent > 100) {
            throw new IllegalArgumentException("opentact.api.rate-share-percent must be 1 to 100, was " + severalPercent);
        }
        this.severalPercent = severalPercent;
        if (limit <= 0) {
            throw new IllegalArgumentException("opentact.api.rate-limit must be positive, was " + limit);
        }
        if (mine < 0) {
            throw new IllegalArgumentException("opentact.kafka.consumers must not be negative, was " + mine);
        }
        this.limit = limit;
        // An instance that reads no requests (opentact.kafka.consumers=0) still calls Opentact
        // (health, token probe): it counts as one member, on top of the group's.
        this.mine = Math.max(1, mine);
        this.startedAtMs = startedAtMs;
    }

    /**
     * The default of {@code opentact.api.rate-share-percent}: with other instances in the group,
     * each keeps this part of its share: calls from separate JVMs reach Opentact with some jitter,
     * and a gateway counting any rolling second saw 1.5-2% of them over the limit at the full share
     * (2-3 instances, bench/shared-rate.sh); at 90%, none. Alone, an instance takes the whole limit.
     */
    public static final int SEVERAL_PERCENT = 90;

    /** {@link #share(long, int, int, int)} at the default {@link #SEVERAL_PERCENT}. */
    static long share(long limit, int mine, int total) {
        return share(limit, mine, total, SEVERAL_PERCENT);
    }

    /**
     * {@code floor(limit × mine / total)}, times {@code severalPercent} when other instances are
     * members too; at least one call; {@code total} is at least {@code mine}.
     */
    static long share(long limit, int mine, int total, int severalPercent) {
        int all = Math.max(total, mine);
        long percent = all > mine ? severalPercent : 100;
        return Math.max(1, Math.multiplyExact(Math.multiplyExact(limit, mine), percent) / (100L * all));
    }

    /** The calls per window this instance may make now. */
    public long share() {
        return share;
    }

    /** The members the last share was computed for (0 before any answer). */
    public int total() {
        return lastTotal;
    }

    public long limit() {
        return limit;
    }

    public int mine() {
        return mine;
    }

    public boolean joined() {
        return joined;
    }

    /**
     * This instance may have left the group without knowing it (its JVM was paused past the
     * session timeout): it is counted on top of the members it sees again until it has been seen
     * join, rather than taking the members it sees for itself and the whole limit with them.
     */
    public void rejoin(long nowMs) {
        firstSeen = null;
        joined = false;
        startedAtMs = nowMs; // the join grace counts from now, not from the start long ago
    }

    /**
     * Takes a look at the group ({@code null}: Kafka did not answer) and returns the share from now on.
     */
    public long observe(Group group, long nowMs) {
        if (group == null) {
            return share; // no answer: as it was (one call per window before the first answer)
        }
        if (firstSeen == null) {
            firstSeen = group.members();
        }
        if (!joined && (group.mineSeen() || group.members() >= firstSeen + mine
                || nowMs - startedAtMs >= JOIN_GRACE_MS)) {
            joined = true;
        }
        int total = joined ? Math.max(group.members(), mine) : group.members() + mine;
        if (group.rebalancing() && lastTotal > 0) {
            total = Math.max(total, lastTotal);
        }
        lastTotal = total;
        share = share(limit, mine, total, severalPercent);
        return share;
    }
}
