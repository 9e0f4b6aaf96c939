package dev.tnorders.opentact.intake;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.List;

import dev.tnorders.opentact.model.OrderRequest;

/**
 * A slice of one CSV file, handed to Kafka as one batch: its good requests, its bad rows, and the
 * file's running totals up to and including this slice (for the progress line).
 *
 * @param rowsDone       rows of the file read so far (the header not counted)
 * @param requestsSoFar  requests handed on so far, this chunk's included
 * @param rejectsSoFar   rows rejected so far, this chunk's included
 * @param startedNanos   {@link System#nanoTime()} when the file was opened
 * @param progressDue    whether a progress line is due once this chunk is handed on
 * @param last           the file's last chunk (a file always has one, possibly empty)
 * @param unrecognisedColumns the header's columns that mean no field (named in the summary line)
 */
public record CsvChunk(String file, List<OrderRequest> accepted, List<CsvItem.Rejected> rejected, long rowsDone,
                       long requestsSoFar, long rejectsSoFar, long startedNanos, boolean progressDue, boolean last,
                       List<String> unrecognisedColumns) {

    public boolean hasRequests() {
        return !accepted.isEmpty();
    }

    public boolean hasRejects() {
        return !rejected.isEmpty();
    }

    /** The progress line, as of now. */
    public String progressLine() {
        return progressLine(System.nanoTime());
    }

    String progressLine(long nowNanos) {
        return "Order file " + file + ": " + rowsDone + " rows done, " + rate(nowNanos) + " rows/s, "
                + rejectsSoFar + " rejected so far";
    }

    /** The file's summary line, as of now (logged once its last chunk is handed on). */
    public String summaryLine() {
        return summaryLine(System.nanoTime());
    }

    String summaryLine(long nowNanos) {
        return "Order file " + file + " handed on: " + rowsDone + " rows, " + requestsSoFar
                + " requests on the requests topic, " + rejectsSoFar + " rows rejected (rejects file and DLQ), in "
                + seconds(nowNanos).setScale(1, RoundingMode.HALF_UP).toPlainString() + " s (" + rate(nowNanos)
                + " rows/s)" + (unrecognisedColumns.isEmpty() ? ""
                : "; columns not recognised (ignored): " + CsvColumns.listed(unrecognisedColumns));
    }

    private BigDecimal seconds(long nowNanos) {
        return BigDecimal.valueOf(Math.max(0, nowNanos - startedNanos)).movePointLeft(9);
    }

    /** Whole rows per second since the file was opened. */
    long rate(long nowNanos) {
        long elapsed = Math.max(1, nowNanos - startedNanos);
        return BigDecimal.valueOf(rowsDone).multiply(BigDecimal.valueOf(1_000_000_000L))
                .divide(BigDecimal.valueOf(elapsed), 0, RoundingMode.HALF_UP).longValue();
    }
}
