package dev.tnorders.opentact.client;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One instance's side of the shares topic ({@code opentact.topics.rate-shares}): a single-partition
 * log in which every instance publishes, under a key of its own, its demand and its <em>claim</em>
 * (the most calls per window it may be using), and which every instance reads in order. It decides
 * when this instance's share in force ({@link #level}) may change:
 *
 * <ul>
 *   <li><b>Down at once.</b> A lower target is in force as soon as it is computed; the lower claim is
 *       published after.</li>
 *   <li><b>Up only when granted, and after a hold.</b> A higher target is first published as a claim;
 *       when this instance reads its own claim back, the claim is <em>granted</em> if it and the
 *       latest claims of every other member counted, as they stand in the log <em>before</em> it,
 *       add up to at most the limit; otherwise the next record replaces it (a new raise, judged
 *       again at its own place in the log, or a claim of the level in force). A granted claim is in force only
 *       {@code holdMs} (a window) after it was read, and only as far as the target still is.</li>
 *   <li><b>Silent members.</b> A member whose last record was read more than {@code goneMs} ago is
 *       no longer counted: by then it makes no call (SharedRateLimit: an instance that made no
 *       look that published and read the topic for three look intervals takes no call until it has
 *       joined again; {@code goneMs} is longer than that plus a window and the time of a look).</li>
 * </ul>
 *
 * <p><b>Why the shares in force never add up to more than the limit</b> (docs/several-instances.md):
 * each member's level is at most its latest claim in the log (it rises only to a claim granted,
 * it falls before the lower claim is written). Take, at any moment, the member A whose level in
 * force came from the latest grant, at position g in the log. For every other member k, its level
 * now is at most its latest claim before g (k was not granted anything after g, and a decrease of
 * k written before g was in force before A read g), so the levels add up to at most A's claim plus
 * the claims before g of the others, which the grant checked to be at most the limit. The hold
 * makes that hold for calls in any rolling window too: A's new level starts a window after A read
 * g, so every window that holds a call at A's new level began after the others' decreases before g
 * were in force. The log's order is the same for every reader, so no two grants can each count the
 * other's old claim. Every number here is per window ({@code opentact.api.rate-limit-window-ms}).
 *
 * <p>Not thread-safe: SharedRateLimit calls it under one lock. Times are monotonic milliseconds.
 */
public final class ShareClaims {

    /** A record of the topic: a member's demand, its claim, and the claim's number (per member). */
    public record Entry(long demand, long claim, long seq) {
        public Entry {
            if (claim < 0 || demand < 0) {
                throw new IllegalArgumentException("claim and demand must not be negative: " + claim + ", " + demand);
            }
        }

        /** As the topic holds it: {@code 1 demand claim seq}. */
        public String encode() {
            return "1 " + demand + " " + claim + " " + seq;
        }

        /** A record's value read back, or null when it is not one (another version: ignored). */
        public static Entry decode(String value) {
            if (value == null) {
                return null;
            }
            String[] p = value.trim().split(" ");
            if (p.length < 4 || !"1".equals(p[0])) {
                return null;
            }
            try {
                return new Entry(Long.parseLong(p[1]), Long.parseLong(p[2]), Long.parseLong(p[3]));
            } catch (IllegalArgumentException e) {
                return null;
            }
        }
    }

    private record Seen(Entry entry, long readAtMs) {
    }

    private String me;
    private final long limit;
    private final long holdMs;
    private final long goneMs;
    private final Map<String, Seen> others = new HashMap<>();

    private long level;
    /** What this instance last published as its claim (its latest claim in the log, once written). */
    private long claim;
    private long seq;
    /** The seq of a raise published and not read back yet; -1: none. */
    private long awaitedSeq = -1;
    private long awaitedClaim;
    /** A raise granted, in force from {@link #holdUntilMs}; -1: none. */
    private long granted = -1;
    private long holdUntilMs;
    /** The target and whether it may grow, as the last {@link #decide} was told. */
    private long target;
    private boolean mayGrow;
    private long demand;
    /** Since the last {@link #decide}: a record read that a look would act on now ({@link #news}). */
    private boolean news;
    /** The demand the last split counted this instance with ({@link #members}). */
    private long countedDemand;
    private int grants;
    private int refusals;

    /**
     * @param me     this instance's key in the topic
     * @param limit  the account's calls per window
     * @param holdMs how long after a grant was read the new level starts (a window)
     * @param goneMs how long a member may be silent and still counted
     */
    public ShareClaims(String me, long limit, long holdMs, long goneMs) {
        if (limit <= 0 || holdMs < 0 || goneMs <= 0) {
            throw new IllegalArgumentException("limit and gone time must be positive, hold not negative: "
                    + limit + ", " + holdMs + ", " + goneMs);
        }
        this.me = me;
        this.limit = limit;
        this.holdMs = holdMs;
        this.goneMs = goneMs;
    }

    /** The next record of the log, in order ({@code entry} null: the member's tombstone, or no record of ours). */
    public void read(String key, Entry entry, long nowMs) {
        if (key == null) {
            return;
        }
        if (me.equals(key)) {
            if (entry != null && entry.seq() == awaitedSeq) {
                judge(entry.claim(), nowMs);
            }
            return;
        }
        Seen before = others.get(key);
        boolean wantMore = target > Math.max(level, granted);
        if (entry == null) {
            news |= wantMore && before != null && before.entry().claim() > 0;
            others.remove(key);
        } else {
            news |= before == null ? entry.demand() > 0 : weightMoved(before.entry().demand(), entry.demand())
                    || wantMore && entry.claim() < before.entry().claim();
            others.put(key, new Seen(entry, nowMs));
        }
    }

    /**
     * Whether a record read since the last {@link #decide} would move a share if looked at now:
     * another member's demand began, ended, or doubled or halved as the split weighs it (from a
     * quarter of a large demand up to a large one, {@link RateApportion#largeDemand}), or a member
     * lowered or withdrew its claim while this instance wants more than it has. SharedRateLimit then
     * looks at once rather than at its next interval: a share moves only as fast as the looks of the
     * members it moves between.
     */
    public boolean news() {
        return news;
    }

    /**
     * Whether this instance's demand now weighs differently (as in {@link #news}) from the one its
     * last split counted it with ({@link #members}: the demand it had published before, which the
     * others saw): a backlog polled in parts at a burst's start was split at its first part's size.
     */
    public boolean demandMoved(long demandNow) {
        return seq > 0 && weightMoved(countedDemand, demandNow);
    }

    private boolean weightMoved(long before, long now) {
        long large = RateApportion.largeDemand(limit, others.size() + 1);
        long a = Math.min(large, Math.max(0, before));
        long b = Math.min(large, Math.max(0, now));
        // a trickle of small demands moves a share when it starts and ends, not at each request
        return (a == 0) != (b == 0) || Math.max(a, b) >= large / 4 && (b >= 2 * a || a >= 2 * b);
    }

    /** This instance's raise read back: granted if it and the others' latest claims fit in the limit. */
    private void judge(long value, long nowMs) {
        awaitedSeq = -1;
        long sum = value;
        for (Seen s : others.values()) {
            if (counted(s, nowMs)) {
                sum += s.entry().claim();
            }
        }
        if (sum <= limit) {
            granted = value;
            holdUntilMs = nowMs + holdMs;
            grants++;
        } else {
            refusals++; // the next record replaces the refused claim
        }
    }

    private boolean counted(Seen s, long nowMs) {
        return nowMs - s.readAtMs() < goneMs;
    }

    /**
     * The members to apportion over: those counted, with the demand of their latest record, and this
     * instance with the demand it last published, as the others see it, so that every instance
     * splits the same figures and their targets add up to the limit. Its demand of now counts
     * instead only where it went from none to some, or back (a new backlog, or the last request
     * done: at once). With its demand of now, a draining instance saw itself below the others'
     * older figures, each took the smaller part of the split, and three at R = 20 held 18 of the 20
     * calls for half a minute.
     */
    public List<RateApportion.Member> members(long demandNow, long nowMs) {
        boolean published = seq > 0;
        countedDemand = !published || (demand == 0) != (demandNow == 0) ? demandNow : demand;
        List<RateApportion.Member> all = new ArrayList<>();
        all.add(new RateApportion.Member(me, countedDemand));
        others.forEach((k, s) -> {
            if (counted(s, nowMs)) {
                all.add(new RateApportion.Member(k, s.entry().demand()));
            }
        });
        return all;
    }

    /**
     * This instance's new target (the apportionment's answer for it; 0 when it may take nothing) and
     * whether it may grow now (joined and settled, the group not rebalancing, the look answered):
     * lowers the level at once, or starts a raise. Returns the record to publish now.
     */
    public Entry decide(long newTarget, long newDemand, boolean grow, long nowMs) {
        if (newTarget < 0) {
            throw new IllegalArgumentException("the target must not be negative, was " + newTarget);
        }
        this.target = newTarget;
        this.mayGrow = grow;
        this.news = false;
        this.demand = Math.max(0, newDemand);
        settle(nowMs);
        boolean raise = false;
        if (newTarget < level) {
            level = newTarget; // down at once
        }
        if (granted > newTarget) {
            granted = newTarget > level ? newTarget : -1; // still due only as far as the target is
        }
        if (awaitedSeq >= 0 && awaitedClaim > newTarget) {
            awaitedSeq = -1; // a raise beyond the target is not wanted any more
        }
        long newClaim;
        if (awaitedSeq >= 0) {
            newClaim = Math.max(awaitedClaim, Math.max(level, granted)); // the raise still in the log's way
        } else if (newTarget > Math.max(level, granted) && grow) {
            newClaim = newTarget;
            raise = true;
        } else {
            newClaim = Math.max(level, granted);
        }
        if (newClaim != claim || raise || seq == 0) {
            seq++;
            claim = newClaim;
            if (raise) {
                awaitedSeq = seq;
                awaitedClaim = newClaim;
            }
        } else if (awaitedSeq >= 0) {
            // the raise published again as it was: the first copy read back is the one judged
            return new Entry(demand, claim, awaitedSeq);
        }
        return new Entry(demand, claim, seq);
    }

    /** A granted raise whose hold has ended comes into force (as far as the target and growing allow). */
    private void settle(long nowMs) {
        if (granted >= 0 && nowMs >= holdUntilMs && mayGrow) {
            level = Math.max(level, Math.min(granted, target));
            granted = -1;
        }
    }

    /** The calls per window in force now. */
    public long level(long nowMs) {
        settle(nowMs);
        return level;
    }

    /** What this instance last asked to publish as its claim. */
    public long claim() {
        return claim;
    }

    /** Whether a raise waits to be read back or for its hold. */
    public boolean raising() {
        return awaitedSeq >= 0 || granted >= 0;
    }

    /** The seq of the raise waiting to be read back, or -1. */
    public long awaitedSeq() {
        return awaitedSeq;
    }

    /** Members other than this one that are counted now. */
    public int othersCounted(long nowMs) {
        return (int) others.values().stream().filter(s -> counted(s, nowMs)).count();
    }

    /**
     * Whether another instance counted now claims a share or has demand (and so may be granted one
     * after this instance's next record): calls of several JVMs may reach Opentact then.
     */
    public boolean othersActive(long nowMs) {
        return others.values().stream().anyMatch(s -> counted(s, nowMs) && (s.entry().claim() > 0 || s.entry().demand() > 0));
    }

    /** The sum of the others' latest claims counted now (a figure for the log). */
    public long othersClaims(long nowMs) {
        return others.values().stream().filter(s -> counted(s, nowMs)).mapToLong(s -> s.entry().claim()).sum();
    }

    public int grants() {
        return grants;
    }

    public int refusals() {
        return refusals;
    }

    /**
     * Starts again from nothing (this instance may have been away: a freeze, its consumers out of
     * the group): level 0 at once, no raise pending; the next record claims 0.
     */
    public void reset() {
        level = 0;
        granted = -1;
        awaitedSeq = -1;
    }

    /**
     * From now on this instance's records go under {@code key}: its stable name (its static group
     * instance id), which an earlier run of the same instance used. That run's latest record is
     * no other member's any more: a run killed and started again replaces its own claim at once,
     * rather than waiting for it to go silent. (Only one live process holds that name: the slot
     * lock, or the operator's promise for an id set by hand; a frozen earlier run keeps its slot, so
     * a new run on the host takes another.) The level starts again at 0; the records under the
     * former key count as another member's until its tombstone is read.
     */
    public void become(String key) {
        if (key == null || key.equals(me)) {
            return;
        }
        me = key;
        others.remove(key);
        reset();
        claim = 0;
        // Numbers of its own claims go on from the wall clock: an earlier run's records under this
        // key never match a raise of this run.
        seq = Math.max(seq, System.currentTimeMillis() * 1_000);
    }
}
