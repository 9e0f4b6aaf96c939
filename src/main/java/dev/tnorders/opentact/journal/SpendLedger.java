package dev.tnorders.opentact.journal;

import java.math.BigDecimal;
import java.util.HashMap;
import java.util.Map;

/**
 * One-time spend (nrc) per UTC day and per dropped CSV file, kept by the order journal from its
 * entries: an order's quoted price counts from its {@code intent} on (money about to be spent),
 * and is replaced by what was really bought at {@code done}. Because every instance reads the
 * whole journal, every instance sees the same totals, and a restart rebuilds them.
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
        byDay.merge(day, nrc, BigDecimal::add);
        if (file != null) {
            byFile.merge(file, nrc, BigDecimal::add);
        }
    }

    /** The request accounts for nothing any more. */
    public synchronized void forget(String requestId) {
        Spend old = byRequest.remove(requestId);
        if (old != null) {
            byDay.merge(old.day(), old.nrc().negate(), BigDecimal::add);
            if (old.file() != null) {
                byFile.merge(old.file(), old.nrc().negate(), BigDecimal::add);
            }
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
