package dev.tnorders.opentact.client;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How the account's calls per window are split over the instances that share them, by their
 * demand: the same answer on every instance that sees the same demands, so that their targets
 * agree (where they do not, for a moment, {@link ShareClaims} keeps the sum within the limit).
 *
 * <ol>
 *   <li>Every member with demand gets one call first (in the rotated order below, while calls are
 *       left): a member with a single request is never stuck behind a big backlog.</li>
 *   <li>Members with no demand get one call each too when the budget is at least
 *       {@link #IDLE_FLOOR_FACTOR} calls per member (a new request there starts at once); else none:
 *       their next publication of a demand moves a share to them.</li>
 *   <li>The rest goes by weight (the demand, up to {@link #largeDemand}: a demand that keeps a
 *       member's even part busy for several looks weighs the same as a larger one; equal weights
 *       when no member has any), in whole calls by the largest-remainder method: each takes the
 *       whole part of its quota, and the calls left go one each to the largest remainders. Ties
 *       (equal remainders) go to the larger backlog in steps ({@link #TIE_STEPS}), then by key.</li>
 * </ol>
 * The rotated order: the members sorted by key, starting at {@code rotation mod n}. With more
 * members than calls, a rotation that moves over time (SharedRateLimit: the wall clock in periods
 * of a few look intervals) gives each its turn. The shares always add up to exactly the budget
 * (with at least one member).
 *
 * <p>Why large demands weigh the same, and ties stay put: every move of a call between members
 * costs it for a while (a share goes down at once and up only when its claim is granted and a
 * window has passed: a look and a window), and large backlogs split evenly or by their sizes keep
 * the limit just as busy. By their exact sizes, three instances draining 6,000 records each moved
 * calls between them at every look as their figures (read at different moments) crossed; a tie
 * rotated every few looks moved one more, and a tie by key alone left one behind. Below the cap a
 * smaller backlog takes a smaller part, so that the instances finish together.
 */
public final class RateApportion {

    /** Members without demand keep one call each only when the budget is at least this many calls per member. */
    static final int IDLE_FLOOR_FACTOR = 10;

    /** The largest demand that counts (demand beyond it weighs the same). */
    static final long MAX_DEMAND = 1_000_000;

    /**
     * Records per call of the budget that make a demand large: at {@code budget / members} calls
     * per window each, with orders of 100 records (about 25 records a call), 150 × budget / members
     * records keep a member's even part busy for about 6 s, three looks.
     */
    static final long LARGE_DEMAND_RECORDS_PER_CALL = 150;

    /** The demand from which more weighs the same, for {@code members} sharing {@code budget} calls. */
    static long largeDemand(long budget, int members) {
        return Math.max(1, LARGE_DEMAND_RECORDS_PER_CALL * Math.max(1, budget) / Math.max(1, members));
    }

    /**
     * Equal remainders go to the larger backlog, compared in steps of {@code largeDemand / TIE_STEPS}
     * records. By key alone, three equal backlogs at R = 20 split 7 + 7 + 6 for the whole run, and
     * the one at 6 ended 4-5 s after the others (a seventh of the run later, with 14 calls/s unused
     * until its share grew). In steps, the call moves only once a backlog is a step behind (every
     * 10 s or so there), and they end within a step of each other.
     */
    static final long TIE_STEPS = 4;

    private RateApportion() {
    }

    /** A member and its demand (calls waiting for a turn and its backlog; 0: none). */
    public record Member(String key, long demand) {
        public Member {
            if (key == null) {
                throw new IllegalArgumentException("a member needs a key");
            }
            demand = Math.max(0, Math.min(MAX_DEMAND, demand));
        }
    }

    /**
     * The budget split over the members, by key (every member present, 0 for none); the values add
     * up to {@code budget}.
     */
    public static Map<String, Long> apportion(long budget, List<Member> members, long rotation) {
        if (budget < 0) {
            throw new IllegalArgumentException("the budget must not be negative, was " + budget);
        }
        List<Member> sorted = new ArrayList<>(members);
        sorted.sort(Comparator.comparing(Member::key));
        for (int i = 1; i < sorted.size(); i++) {
            if (sorted.get(i).key().equals(sorted.get(i - 1).key())) {
                throw new IllegalArgumentException("member " + sorted.get(i).key() + " is listed twice");
            }
        }
        int n = sorted.size();
        Map<String, Long> shares = new LinkedHashMap<>();
        if (n == 0) {
            return shares;
        }
        int start = (int) Math.floorMod(rotation, (long) n);
        List<Member> order = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            order.add(sorted.get((start + i) % n));
        }
        long[] share = new long[n];
        long left = budget;
        boolean anyDemand = order.stream().anyMatch(m -> m.demand() > 0);
        // 1. one call for each member with demand, in the rotated order
        for (int i = 0; i < n && left > 0; i++) {
            if (order.get(i).demand() > 0) {
                share[i]++;
                left--;
            }
        }
        // 2. one call for each idle member, where the budget is large
        if (anyDemand && budget >= (long) IDLE_FLOOR_FACTOR * n) {
            for (int i = 0; i < n && left > 0; i++) {
                if (order.get(i).demand() == 0) {
                    share[i]++;
                    left--;
                }
            }
        }
        // 3. the rest by weight, largest remainders
        long[] weight = new long[n];
        long total = 0;
        long large = largeDemand(budget, n);
        for (int i = 0; i < n; i++) {
            weight[i] = anyDemand ? Math.min(large, order.get(i).demand()) : 1;
            total += weight[i];
        }
        if (left > 0) {
            BigInteger rest = BigInteger.valueOf(left);
            BigInteger all = BigInteger.valueOf(total);
            BigInteger[] remainder = new BigInteger[n];
            long given = 0;
            for (int i = 0; i < n; i++) {
                BigInteger[] qr = rest.multiply(BigInteger.valueOf(weight[i])).divideAndRemainder(all);
                share[i] += qr[0].longValueExact();
                given += qr[0].longValueExact();
                remainder[i] = qr[1];
            }
            Integer[] byRemainder = new Integer[n];
            for (int k = 0; k < n; k++) {
                byRemainder[k] = (k - start + n) % n; // the k-th member by key, at its index in the rotated order
            }
            // largest remainder first; equal remainders to the larger backlog, in steps of a quarter of a
            // large demand, then by key (a stable sort keeps it). Where calls are scarce (more members
            // with demand than calls) step 1 gave them all, in the rotated order.
            long step = Math.max(1, large / TIE_STEPS);
            Arrays.sort(byRemainder, (a, b) -> {
                int c = remainder[b].compareTo(remainder[a]);
                return c != 0 ? c : Long.compare(order.get(b).demand() / step, order.get(a).demand() / step);
            });
            for (int k = 0; given < left; k++) {
                share[byRemainder[k % n]]++;
                given++;
            }
        }
        for (Member m : sorted) {
            shares.put(m.key(), 0L);
        }
        for (int i = 0; i < n; i++) {
            shares.put(order.get(i).key(), share[i]);
        }
        return shares;
    }
}
