package dev.tnorders.opentact.files;

import java.math.BigDecimal;

import dev.tnorders.opentact.model.Outcome;

/**
 * The outcomes of one file drop counted so far (the end tracker's part of the file-state topic,
 * key {@code tally|<file id>}), and whether the drop has ended. Immutable: {@link #plus} gives the
 * next. No I/O.
 *
 * <p>Numbers per state from each outcome: {@code ordered} and {@code failed} as the outcome counts
 * them; all of a {@code rejected} outcome's numbers are {@code rejected}; the numbers of an
 * {@code unknown} or {@code partial} outcome neither ordered nor failed are {@code unknown} (its
 * per-number results say which); those of a {@code failed} outcome neither ordered nor failed are
 * {@code failed}. What was bought: the outcome's price of each outcome that ordered numbers; an
 * outcome that ordered without a price is counted in {@code pricesUnknown} (the totals are then
 * short by its cost).
 */
public record FileTally(String fileId, long requests, long ordered, long failed, long rejected, long unknown,
                        String boughtNrc, String boughtMrc, long pricesUnknown, boolean ended, String endedAt) {

    public static FileTally empty(String fileId) {
        return new FileTally(fileId, 0, 0, 0, 0, 0, "0", "0", 0, false, null);
    }

    public FileTally plus(Outcome o) {
        long ord = o.numbersOrdered();
        long fail = o.numbersFailed();
        long rest = Math.max(0, o.numbersRequested() - ord - fail);
        long rej = 0;
        long unk = 0;
        switch (o.state()) {
            case rejected -> rej = o.numbersRequested();
            case unknown, partial -> unk = rest;
            case failed -> fail += rest;
            default -> { }
        }
        BigDecimal nrc = new BigDecimal(boughtNrc);
        BigDecimal mrc = new BigDecimal(boughtMrc);
        long unpriced = pricesUnknown;
        if (ord > 0 && o.state() != Outcome.State.rejected) {
            if (o.price() != null && o.price().nrc() != null && o.price().mrc() != null) {
                nrc = nrc.add(new BigDecimal(o.price().nrc()));
                mrc = mrc.add(new BigDecimal(o.price().mrc()));
            } else {
                unpriced++;
            }
        }
        return new FileTally(fileId, requests + 1, ordered + ord, failed + fail, rejected + rej, unknown + unk,
                nrc.toPlainString(), mrc.toPlainString(), unpriced, ended, endedAt);
    }

    public FileTally endedAt(String at) {
        return new FileTally(fileId, requests, ordered, failed, rejected, unknown, boughtNrc, boughtMrc, pricesUnknown,
                true, at);
    }
}
