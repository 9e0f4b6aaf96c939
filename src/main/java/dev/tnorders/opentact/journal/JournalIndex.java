package dev.tnorders.opentact.journal;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import dev.tnorders.opentact.journal.JournalEntry;
import dev.tnorders.opentact.journal.JournalEntry.Phase;

/**
 * What the journal holds in memory, and the spend it books in the {@link SpendLedger}: open
 * requests (phase {@code intent} or {@code placed}) as their whole entry, and {@code done} ones
 * compactly, with only what later decisions read: that the request is done, and the spend it books
 * (day, file, nrc) for the budgets, and when it was written, for the retention. An expired done
 * entry read at start is not held: its id only, up to {@code maxExpired} of them, waits for its
 * tombstone ({@link JournalSweeper}) and until then still counts as done.
 *
 * <p>Changes are made by one thread at a time (the journal's reader and writer, under the journal's
 * lock); lookups from any thread.
 */
final class JournalIndex {

    /** Expired done entries read at start whose id waits for its tombstone, at most (the others are not held). */
    public static final int MAX_EXPIRED_QUEUED = 100_000;


    /** A done request: what it booked (interned day and file), and when it was written (epoch millis). */
    private record Done(String day, int epochDay, String file, BigDecimal nrc, long writtenAt) {
    }

    /** Open entries waiting to be written again after a tombstone, at most. */
    private static final int REWRITES = 10_000;
    /** Distinct days, files and amounts shared between entries at most (beyond, each keeps its own). */
    private static final int INTERNED = 100_000;

    private final Map<String, JournalEntry> open = new ConcurrentHashMap<>();
    private final Map<String, Done> done = new ConcurrentHashMap<>();
    private final Set<String> expired = ConcurrentHashMap.newKeySet();
    private final Set<String> toRewrite = ConcurrentHashMap.newKeySet();
    private final Map<String, String> names = new HashMap<>();
    private final Map<BigDecimal, BigDecimal> amounts = new HashMap<>();
    private final SpendLedger ledger;
    private final int maxExpired;
    private long expiredNotHeld;
    // Per partition, the first offset of an expired done entry read while there was no room for its id.
    private final Map<Integer, Long> notHeldFrom = new HashMap<>();

    JournalIndex(SpendLedger ledger, int maxExpired) {
        this.ledger = ledger;
        this.maxExpired = maxExpired;
    }

    /** The request's entry: an open one as written; a done one with what is kept of it (no numbers, no order uuid). */
    JournalEntry get(String requestId) {
        JournalEntry e = open.get(requestId);
        if (e != null) {
            return e;
        }
        Done d = done.get(requestId);
        if (d != null) {
            return new JournalEntry(requestId, Phase.done, null, null, d.day(), d.file(), d.nrc(), null);
        }
        return expired.contains(requestId) ? new JournalEntry(requestId, Phase.done, null, null, null, null, null, null) : null;
    }

    Phase phaseOf(String requestId) {
        JournalEntry e = open.get(requestId);
        if (e != null) {
            return e.phase();
        }
        return done.containsKey(requestId) || expired.contains(requestId) ? Phase.done : null;
    }

    /** The request's latest entry, written at {@code writtenAt}: replaces what was held and booked for it. */
    synchronized void put(JournalEntry e, long writtenAt) {
        forget(e.requestId());
        if (e.phase() != Phase.done) {
            open.put(e.requestId(), e);
            ledger.record(e.requestId(), e.day(), e.file(), e.nrc());
            return;
        }
        String day = intern(e.day());
        String file = intern(e.file());
        BigDecimal nrc = intern(e.nrc());
        done.put(e.requestId(), new Done(day, JournalRetention.epochDay(day), file, nrc, writtenAt));
        ledger.book(day, file, nrc);
    }

    /**
     * An expired done entry read (at {@code offset} of {@code partition}): not held; its id waits for
     * its tombstone if there is room, else where it was is noted for a later {@link ExpiredScan}.
     */
    synchronized void putExpired(String requestId, int partition, long offset) {
        forget(requestId);
        if (expired.size() < maxExpired) {
            expired.add(requestId);
        } else {
            expiredNotHeld++;
            notHeldFrom.merge(partition, offset, Math::min);
        }
    }

    /**
     * An expired done entry found by a later read of the whole journal ({@link ExpiredScan}): queued for
     * its tombstone when the request is not held (nothing newer was read for it) and there is room.
     *
     * @return whether it was queued
     */
    synchronized boolean queueExpired(String requestId) {
        if (open.containsKey(requestId) || done.containsKey(requestId) || expired.contains(requestId)) {
            return false;
        }
        if (expired.size() >= maxExpired) {
            return false;
        }
        expired.add(requestId);
        return true;
    }

    /**
     * A tombstone read: the request is forgotten, if it is done. An open request keeps its entry: a
     * tombstone only ever removes an expired done entry, and one that lands after a new intent for
     * the same id (written by an instance that had not read it yet) must not make that intent's
     * order look new.
     *
     * @return false when the request is open and was kept
     */
    synchronized boolean remove(String requestId) {
        if (open.containsKey(requestId)) {
            if (toRewrite.size() < REWRITES) {
                toRewrite.add(requestId); // on the topic the tombstone is its latest record: write it again
            }
            return false;
        }
        forget(requestId);
        return true;
    }

    /** Forgets the request if it is still an expired done one (a tombstone for it was written). */
    synchronized boolean removeIfExpired(String requestId, JournalRetention retention) {
        if (expired.remove(requestId)) {
            return true;
        }
        Done d = done.get(requestId);
        if (d != null && retention.expired(d.writtenAt(), d.epochDay())) {
            forget(requestId);
            return true;
        }
        return false;
    }

    /** Up to {@code max} requests whose done entry has expired: the expired ids read at start first. */
    List<String> expired(JournalRetention retention, int max) {
        List<String> out = new ArrayList<>(Math.min(max, 1024));
        for (String id : expired) {
            if (out.size() >= max) {
                return out;
            }
            out.add(id);
        }
        for (Map.Entry<String, Done> e : done.entrySet()) {
            if (out.size() >= max) {
                break;
            }
            if (retention.expired(e.getValue().writtenAt(), e.getValue().epochDay())) {
                out.add(e.getKey());
            }
        }
        return out;
    }

    private void forget(String requestId) {
        open.remove(requestId);
        ledger.forget(requestId); // an open entry's spend, or a reservation (Budgets) without an entry
        Done d = done.remove(requestId);
        if (d != null) {
            ledger.unbook(d.day(), d.file(), d.nrc());
        }
        expired.remove(requestId);
    }

    /**
     * The open entries a tombstone was read for since the last call (see {@link #remove}): written
     * again, they are the latest record of their key, and compaction keeps them.
     */
    synchronized List<JournalEntry> takeRewrites() {
        List<JournalEntry> out = new ArrayList<>();
        for (String id : toRewrite) {
            JournalEntry e = open.get(id);
            if (e != null) {
                out.add(e);
            }
        }
        toRewrite.clear();
        return out;
    }

    /** Entries {@link #takeRewrites} gave that could not be written: the next round tries again. */
    synchronized void rewriteLater(List<JournalEntry> entries) {
        entries.forEach(e -> toRewrite.add(e.requestId()));
    }

    Collection<JournalEntry> openEntries() {
        return open.values();
    }

    int openCount() {
        return open.size();
    }

    int doneCount() {
        return done.size();
    }

    /** Expired done ids read and waiting for their tombstone. */
    int expiredCount() {
        return expired.size();
    }

    /** Expired done entries read while {@code maxExpired} were already waiting: neither held nor queued. */
    synchronized long expiredNotHeld() {
        return expiredNotHeld;
    }

    /**
     * Where a scan for the expired entries not held must begin (partition to offset), and set back
     * to none (a scan for them begins); empty when every one read was held.
     */
    synchronized Map<Integer, Long> takeNotHeldFrom() {
        Map<Integer, Long> from = new HashMap<>(notHeldFrom);
        notHeldFrom.clear();
        expiredNotHeld = 0;
        return from;
    }

    /** A scan left some out again (or failed): where the next one begins. */
    synchronized void notHeldFrom(Map<Integer, Long> from) {
        from.forEach((p, o) -> notHeldFrom.merge(p, o, Math::min));
        if (!from.isEmpty() && expiredNotHeld == 0) {
            expiredNotHeld = 1; // at least one
        }
    }

    private String intern(String s) {
        if (s == null) {
            return null;
        }
        String known = names.get(s);
        if (known != null) {
            return known;
        }
        if (names.size() < INTERNED) {
            names.put(s, s);
        }
        return s;
    }

    private BigDecimal intern(BigDecimal d) {
        if (d == null) {
            return null;
        }
        BigDecimal known = amounts.get(d);
        if (known != null) {
            return known;
        }
        if (amounts.size() < INTERNED) {
            amounts.put(d, d);
        }
        return d;
    }
}
