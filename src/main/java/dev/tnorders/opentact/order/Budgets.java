package dev.tnorders.opentact.order;

import java.math.BigDecimal;
import java.time.Clock;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

import dev.tnorders.opentact.journal.JournalEntries;
import dev.tnorders.opentact.journal.OrderJournal;
import dev.tnorders.opentact.journal.SpendLedger;
import dev.tnorders.opentact.model.OrderRequest;

/**
 * Spending budgets on one-time cost (nrc): per UTC day over all requests, and per dropped CSV
 * file. An order whose quoted nrc would take today's or its file's spend over the budget is not
 * placed. Blank or {@code none} means no budget.
 */
public class Budgets {

    private final BigDecimal dailyNrc;
    private final BigDecimal fileNrc;
    private final OrderJournal journal;
    private final Clock clock;

    public Budgets(String dailyNrc, String fileNrc, OrderJournal journal) {
        this(dailyNrc, fileNrc, journal, Clock.systemUTC());
    }

    public Budgets(String dailyNrc, String fileNrc, OrderJournal journal, Clock clock) {
        this.dailyNrc = parse("opentact.budget.daily-nrc", dailyNrc);
        this.fileNrc = parse("opentact.budget.file-nrc", fileNrc);
        this.journal = journal;
        this.clock = clock;
    }

    /**
     * For the requests of one order case, in order: why ordering it would break a budget, or null
     * when it fits. When it fits, its price is reserved in the ledger at once (see
     * {@link #checkAndReserve}).
     *
     * @param nrc each request's one-time price as its intent will book it ({@code OrderRules.reservedNrc});
     *            null when the price has no figure, which never fits a budget
     */
    public List<String> checkEach(List<OrderRequest> requests, List<BigDecimal> nrc) {
        if (dailyNrc == null && fileNrc == null) {
            return Collections.nCopies(requests.size(), null); // no budget: no read of the journal
        }
        SpendLedger ledger = journal.ledger(); // read up to the journal's end first: other instances' spend
        List<String> reasons = new ArrayList<>();
        for (int i = 0; i < requests.size(); i++) {
            reasons.add(checkAndReserve(ledger, requests.get(i), nrc.get(i)));
        }
        return reasons;
    }

    /**
     * Decides one request and, when it fits, books its price in the ledger in the same step, as
     * its journal intent will: batches decided at the same moment in this instance then each see
     * the others' spend, instead of all fitting into the same remaining budget. The journal entry
     * replaces the reservation when it is written; a request decided again leaves its own out.
     */
    String checkAndReserve(SpendLedger ledger, OrderRequest request, BigDecimal nrc) {
        String file = JournalEntries.fileOf(request);
        String day = JournalEntries.today(clock);
        synchronized (ledger) {
            String reason = exceeded(nrc, ledger.day(day, request.requestId()), ledger.file(file, request.requestId()),
                    file != null);
            if (reason == null && nrc != null && (dailyNrc != null || fileNrc != null)) {
                ledger.record(request.requestId(), day, file, nrc);
            }
            return reason;
        }
    }

    /** The decision itself, on the quoted nrc and what was spent (or is about to be) so far. */
    String exceeded(BigDecimal orderNrc, BigDecimal spentToday, BigDecimal spentOnFile, boolean fromFile) {
        if (dailyNrc == null && (fileNrc == null || !fromFile)) {
            return null;
        }
        if (orderNrc == null) {
            return "Opentact's price has no total nrc, so the spending budget cannot be checked";
        }
        if (dailyNrc != null && spentToday.add(orderNrc).compareTo(dailyNrc) > 0) {
            return "the daily budget (opentact.budget.daily-nrc " + dailyNrc.toPlainString() + ") would be exceeded: "
                    + spentToday.toPlainString() + " spent or committed today (UTC), this order costs "
                    + orderNrc.toPlainString() + " one-time";
        }
        if (fileNrc != null && fromFile && spentOnFile.add(orderNrc).compareTo(fileNrc) > 0) {
            return "the file's budget (opentact.budget.file-nrc " + fileNrc.toPlainString() + ") would be exceeded: "
                    + spentOnFile.toPlainString() + " spent or committed for this file, this order costs "
                    + orderNrc.toPlainString() + " one-time";
        }
        return null;
    }

    private static BigDecimal parse(String key, String value) {
        if (value == null || value.isBlank() || value.trim().toLowerCase(Locale.ROOT).equals("none")) {
            return null;
        }
        try {
            BigDecimal d = new BigDecimal(value.trim());
            if (d.signum() < 0) {
                throw new IllegalArgumentException(key + " must not be negative: " + value);
            }
            return d;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " must be a decimal amount or 'none': " + value, e);
        }
    }
}
