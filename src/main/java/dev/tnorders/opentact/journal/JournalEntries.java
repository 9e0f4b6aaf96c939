package dev.tnorders.opentact.journal;

import java.math.BigDecimal;
import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

import dev.tnorders.opentact.journal.JournalEntry;
import dev.tnorders.opentact.journal.JournalEntry.Phase;
import dev.tnorders.opentact.model.NumberResult;
import dev.tnorders.opentact.model.OrderRequest;
import dev.tnorders.opentact.model.OrderResult;
import dev.tnorders.opentact.model.Outcome;

/**
 * The journal's phase rules, apart from Kafka: what each phase's entry records, carried over from
 * the entry before it, and what spend it books (day and file) in the {@link SpendLedger}.
 */
public final class JournalEntries {

    private JournalEntries() {
    }

    /**
     * The intent: the numbers, and the one-time price booked as spend about to happen. A criteria
     * request's later round keeps what earlier rounds settled, and what they bought still counts.
     */
    static JournalEntry intent(OrderRequest r, BigDecimal reservedNrc, List<NumberResult> settled, Clock clock) {
        return intent(r, reservedNrc, settled, clock, clock.millis(), null);
    }

    /** Every number of one order POST's requests, when they are more than one request's; else null. */
    static List<String> postNumbers(List<OrderRequest> requests) {
        if (requests.size() < 2) {
            return null;
        }
        List<String> all = new ArrayList<>();
        requests.forEach(r -> all.addAll(r.tns()));
        return List.copyOf(all);
    }

    /**
     * @param intentAt the intent's time, one for every request of the case (the planner groups the
     *                 intents a crash left by it, so that they are reconciled together, and only they)
     * @param post     every number of the case's order POST when it is a batch's ({@link #postNumbers}), or null
     */
    static JournalEntry intent(OrderRequest r, BigDecimal reservedNrc, List<NumberResult> settled, Clock clock, long intentAt,
                        List<String> post) {
        BigDecimal nrc = reservedNrc;
        if (nrc != null && settled != null) {
            for (NumberResult n : settled) {
                nrc = n.nrc() == null ? nrc : nrc.add(new BigDecimal(n.nrc()));
            }
        }
        return new JournalEntry(r.requestId(), Phase.intent, r.tns(), null, today(clock), fileOf(r), nrc, settled, intentAt,
                post);
    }

    /** Placed in this order; what the intent recorded (spend, earlier rounds, when) is kept. */
    static JournalEntry placed(OrderRequest r, String orderUuid, JournalEntry before, Clock clock) {
        return new JournalEntry(r.requestId(), Phase.placed, r.tns(), orderUuid, before == null ? today(clock) : before.day(),
                fileOf(r), before == null ? null : before.nrc(), before == null ? null : before.settled(),
                before == null ? null : before.intentAt());
    }

    /** Done, with what was really spent. */
    static JournalEntry done(OrderRequest r, OrderResult result, JournalEntry before, Clock clock) {
        return new JournalEntry(r.requestId(), Phase.done, null, result.outcome().orderUuid(),
                before == null ? today(clock) : before.day(), fileOf(r), spent(result, before), null);
    }

    /**
     * What a finished request spent: the price of what was bought. When the result is unknown the
     * reservation stays: the money may have been spent.
     */
    static BigDecimal spent(OrderResult result, JournalEntry before) {
        Outcome o = result.outcome();
        if (o.state() == Outcome.State.unknown) {
            return before == null ? null : before.nrc();
        }
        if (o.numbersOrdered() == 0) {
            return BigDecimal.ZERO;
        }
        BigDecimal sum = BigDecimal.ZERO;
        boolean perNumber = false;
        for (NumberResult n : result.numbers()) {
            if (n.nrc() != null) {
                sum = sum.add(new BigDecimal(n.nrc()));
                perNumber = true;
            }
        }
        if (perNumber) {
            return sum;
        }
        return o.price() != null && o.price().nrc() != null ? new BigDecimal(o.price().nrc())
                : before == null ? null : before.nrc();
    }

    /** The UTC day spend is booked on. */
    public static String today(Clock clock) {
        return LocalDate.now(clock.withZone(ZoneOffset.UTC)).toString();
    }

    /** Which drop of a file a request came from (file name and when it was read), or null for Kafka requests. */
    public static String fileOf(OrderRequest request) {
        return request.source() == null || !request.source().fromFile() ? null
                : request.source().file() + "@" + request.receivedAt();
    }
}
