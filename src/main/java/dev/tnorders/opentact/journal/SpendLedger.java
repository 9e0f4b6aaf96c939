package dev.tnorders.opentact.journal;

import java.math.BigDecimal;
import java.util.HashMap;
import java.util.Map;

/**
 * One-time spend (nrc) per UTC day and per dropped CSV file, kept by the order journal from its
 * entries: an order's quoted price counts from its {@code intent} on (money about to be spent),
 * and is replaced by what was really bought at {@code done}. Because every instance reads the
 * whole journal, every instance sees the same totals, and a restart rebuilds them.
 *
 * <p>Open requests (and reservations) are kept per request, so that a request decided again leaves
 * its own spend out. A done request is only in the totals ({@link #book}/{@link #unbook}): it is never
 * decided again, and a million of them must fit in a small heap ({@link JournalIndex}). A total
 * that comes back to zero is dropped, so that days and files long past do not pile up.
 */
public final class SpendLedger {

    private record Spend(String day, String file, BigDecimal nrc) {
    }

    private final Map<String, Spend> byRequest = new HashMap<>();
    private final Map<String, BigDecimal> byDay = new HashMap<>();
    private final Map<String, BigDecimal> byFile = new HashMap<>();

    /** The request now accounts for {@code nrc} on {@code day} (and on {@code file}, when from a file). */
    public synchronized void record(String requestId, String day, String file, BigDecimal nrc) {
        forget(requestId);
        if (day == null || nrc == null) {
            return;
        }
        Spend spend = new Spend(day, file, nrc);
        byRequest.put(requestId, spend);
        add(day, file, nrc);
    }

    /** A done request's spend: in the totals only. */
    public synchronized void book(String day, String file, BigDecimal nrc) {
        if (day != null && nrc != null) {
            add(day, file, nrc);
        }
    }

    /** Takes back what {@link #book} booked (the done request was removed or replaced). */
    public synchronized void unbook(String day, String file, BigDecimal nrc) {
        if (day != null && nrc != null) {
            add(day, file, nrc.negate());
        }
    }

    private void add(String day, String file, BigDecimal nrc) {
        byDay.merge(day, nrc, SpendLedger::sumOrNone);
        if (file != null) {
            byFile.merge(file, nrc, SpendLedger::sumOrNone);
        }
    }

    /** The new total, or null (the key is removed) when it is back to zero. */
    private static BigDecimal sumOrNone(BigDecimal a, BigDecimal b) {
        BigDecimal sum = a.add(b);
        return sum.signum() == 0 ? null : sum;
    }

    /** How many days and files have a total (a metric of the ledger's size; tests). */
    synchronized int totals() {
        return byDay.size() + byFile.size();
    }

    /** The request accounts for nothing any more. */
    public synchronized void forget(String requestId) {
        Spend old = byRequest.remove(requestId);
        if (old != null) {
            add(old.day(), old.file(), old.nrc().negate());
        }
    }

    /** Spend on {@code day}, leaving out what {@code requestId} itself accounts for (it is being decided again). */
    public synchronized BigDecimal day(String day, String requestId) {
        BigDecimal total = byDay.getOrDefault(day, BigDecimal.ZERO);
        Spend own = byRequest.get(requestId);
        return own != null && own.day().equals(day) ? total.subtract(own.nrc()) : total;
    }

    /** Spend on a file, leaving out what {@code requestId} itself accounts for. */
    public synchronized BigDecimal file(String file, String requestId) {
        if (file == null) {
            return BigDecimal.ZERO;
        }
        BigDecimal total = byFile.getOrDefault(file, BigDecimal.ZERO);
        Spend own = byRequest.get(requestId);
        return own != null && file.equals(own.file()) ? total.subtract(own.nrc()) : total;
    }
}
