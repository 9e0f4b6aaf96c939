package dev.tnorders.opentact.client;

import java.util.HashSet;
import java.util.Set;

/**
 * This instance's share of the account's rate limit towards Opentact: the account's limit
 * ({@code opentact.api.rate-limit} calls per {@code opentact.api.rate-limit-window-ms}) split over
 * the members of the requests consumer group ({@code opentact.kafka.group-id}) in proportion to
 * the members this instance runs ({@code opentact.kafka.consumers}):
 * {@code share = floor(limit × mine / total)} ({@code opentact.api.rate-share-percent}, 100%, of it
 * while other instances are there), never below one call per window.
 *
 * <p>Rounding down keeps the sum over every instance within the limit. Which of the group's
 * members are this instance's cannot be told from their client ids (they repeat across JVMs): its
 * own consumers tell it (their rebalance listeners, their member ids), and where it cannot know the
 * rule stays on the safe side:
 * <ul>
 *   <li>before any answer from Kafka, one call per window;</li>
 *   <li>until this instance has joined (each of its consumers said so, {@link #memberJoined}; or its
 *       own members' ids are in the group; or the group grew by {@code mine} over the members first
 *       seen; or {@link #JOIN_GRACE_MS} passed) and then a settling time has passed (the
 *       others' next look at the group and the end of their current window), no call at all: the
 *       others' shares do not count it yet, and may add up to the whole limit (one instance alone
 *       takes all of it);</li>
 *   <li>an instance that reads no requests ({@code opentact.kafka.consumers=0}) is never a member,
 *       so never counted: it takes one call per window, on top;</li>
 *   <li>while the group rebalances, the share never grows (a member is joining or leaving);</li>
 *   <li>when Kafka does not answer, the share stays as it was.</li>
 * </ul>
 * So the shares in force at any moment add up to at most the limit, members joining, leaving and
 * waking from a freeze included, as long as the limit is at least the number of members (each
 * takes one call per window at least) (docs/operations.md, "Running several instances"). The share
 * may be 0: {@link SharedRateLimit#awaitTurn} then holds calls back.
 * Not thread-safe: {@link SharedRateLimit} calls {@link #observe}, {@link #rejoin} and
 * {@link #memberJoined} under one lock; readers use {@link #share()}'s volatile value.
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
     * not the group grew (a restarted static member takes its old place instead of adding one);
     * and whether none of them is (known ids, none in the group: the others no longer count it).
     */
    public record Group(int members, boolean rebalancing, boolean mineSeen, boolean mineGone) {
        public Group {
            if (members < 0) {
                throw new IllegalArgumentException("members must not be negative, was " + members);
            }
        }

        public Group(int members, boolean rebalancing, boolean mineSeen) {
            this(members, rebalancing, mineSeen, false);
        }

        public Group(int members, boolean rebalancing) {
            this(members, rebalancing, false, false);
        }
    }

    private final long limit;
    private final int mine;
    private final int severalPercent;
    private final long settleMs;
    private final boolean inAGroup;
    private final boolean outsideTheGroup;
    private long joinedAtMs;
    // This instance's consumers that said they joined the group since the start or the last rejoin.
    private final Set<Integer> joinedMembers = new HashSet<>();
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
        this(limit, mine, startedAtMs, severalPercent, 0, true);
    }

    /**
     * @param settleMs    how long after it has been seen join an instance still takes one call per
     *                    window: long enough for every other member to look at the group again and
     *                    for the window it counted in to end (SharedRateLimit: two look intervals and
     *                    a window)
     * @param inAGroup    false only for an instance alone by construction (no group): it counts as
     *                    joined and settled from the start
     */
    public RateShare(long limit, int mine, long startedAtMs, int severalPercent, long settleMs, boolean inAGroup) {
        if (settleMs < 0) {
            throw new IllegalArgumentException("the settling time must not be negative, was " + settleMs);
        }
        this.settleMs = settleMs;
        this.inAGroup = inAGroup;
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
        // (health, token probe): it counts as one member, on top of the group's; the others never
        // count it, so it only ever takes the one call per window they leave free.
        this.mine = Math.max(1, mine);
        this.outsideTheGroup = mine == 0;
        this.startedAtMs = startedAtMs;
        if (!inAGroup) { // alone by construction: nobody to wait for
            joined = true;
            joinedAtMs = startedAtMs;
        }
    }

    /**
     * The default of {@code opentact.api.rate-share-percent}: with other instances in the group,
     * each spaces its share over its window × 100 / this. At 100, as alone: the window itself
     * (1,020 ms for a limit per second) is the margin for calls that reach Opentact closer together
     * than they left, and each instance keeps its own calls within its share in any such window, so
     * the sum holds as long as no instance's calls bunch by more than it. The 21 calls in one second
     * at R = 20 that once set this to 95 came from the benchmark's own JVM, which counted the calls
     * at the sandbox: a G1 pause there counted the calls that came meanwhile together. On ZGC, three
     * instances at 100% put at most R in every second in 23 of 24 grid points; one had a second of
     * R + 2 (two 429s, 0.25% of its calls) when the sandbox, starved of CPU beside three apps on two
     * cores, took calls in late. 95 left 7% of the limit unused. A 429 widens the window of the
     * instance that drew it for a while ({@link ArrivalMargin}).
     */
    public static final int SEVERAL_PERCENT = 100;

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

    /** The calls per window this instance may make now (0: none until it is counted by the others). */
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

    /** Whether this instance reads no requests ({@code opentact.kafka.consumers=0}): never a member of the group. */
    public boolean outsideTheGroup() {
        return outsideTheGroup;
    }

    public boolean joined() {
        return joined;
    }

    /** Whether this instance has been seen join, and the settling time since has passed. */
    public boolean settled(long nowMs) {
        return joined && nowMs - joinedAtMs >= settleMs;
    }

    /**
     * This instance may have left the group without knowing it (its JVM was paused past the
     * session timeout): it makes no call until it has been seen join again and the others have
     * counted it, rather than taking the members it sees for itself and the whole limit with them.
     */
    public void rejoin(long nowMs) {
        firstSeen = null;
        joined = false;
        joinedMembers.clear();
        share = 0;
        startedAtMs = nowMs; // the join grace counts from now, not from the start long ago
    }

    /**
     * This instance's consumer {@code member} has joined the group (its rebalance listener said so):
     * once all of them have, this instance counts as joined from now, whatever the group's size
     * says (the surest sign: it does not depend on seeing the group grow).
     */
    public void memberJoined(int member, long nowMs) {
        joinedMembers.add(member);
        if (!joined && joinedMembers.size() >= mine) {
            joined = true;
            joinedAtMs = nowMs;
        }
    }

    /**
     * Takes a look at the group ({@code null}: Kafka did not answer) and returns the share from now on.
     */
    public long observe(Group group, long nowMs) {
        if (group == null) {
            return share; // no answer: as it was (one call per window before the first answer)
        }
        if (joined && group.mineGone() && !group.rebalancing()) {
            // None of its members is in the group any more (its consumers stopped, or the group
            // moved on without them): the others no longer count it.
            rejoin(nowMs);
        }
        if (firstSeen == null) {
            firstSeen = group.members();
        }
        if (!joined && (group.mineSeen() || group.members() >= firstSeen + mine
                || nowMs - startedAtMs >= JOIN_GRACE_MS)) {
            joined = true;
            joinedAtMs = nowMs;
        }
        int total = joined ? Math.max(group.members(), mine) : group.members() + mine;
        if (group.rebalancing() && lastTotal > 0) {
            total = Math.max(total, lastTotal);
        }
        lastTotal = total;
        // Not counted by the others yet (or not long enough for their shares to have shrunk): none.
        if (outsideTheGroup && inAGroup) {
            share = 1;
        } else {
            // Alone once joined: no other member has to notice it (one that joins later waits for
            // this one to notice it instead), and every member that joins later sees it, so it stays
            // settled. Alone only by a look that can tell: the group stable (a rebalance in progress
            // lists only some members: three instances starting together each saw one and took the
            // whole limit) and its own members' ids the ones there.
            if (joined && total <= mine && !group.rebalancing() && group.mineSeen()) {
                joinedAtMs = Math.min(joinedAtMs, nowMs - settleMs);
            }
            share = settled(nowMs) ? share(limit, mine, total, severalPercent) : 0;
        }
        return share;
    }
}
