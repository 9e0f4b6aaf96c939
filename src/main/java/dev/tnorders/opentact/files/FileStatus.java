package dev.tnorders.opentact.files;

import java.time.Duration;

/**
 * One file drop as the progress endpoint lists it and the progress line tells it: what the reader
 * said ({@link FileRead}), what the end tracker counted ({@link FileTally}), and the time left.
 *
 * @param state           {@code reading} (rows still being handed on), {@code ordering} (all handed
 *                        on, outcomes missing) or {@code ended}
 * @param requestsDone    requests with an outcome
 * @param etaSeconds      estimated seconds left, or null when no rate is known yet (0 once ended)
 */
public record FileStatus(String fileId, String file, String state, String takenAt, long rowsRead, long rowsTotal,
                         long requestsHandedOn, long requestsDone, long ordered, long failed, long rejected,
                         long unknown, long rowsRejected, Long etaSeconds, String endedAt) {

    public static FileStatus of(FileRead read, FileTally tally, long etaMs) {
        FileTally t = tally == null ? FileTally.empty(read.fileId()) : tally;
        String state = t.ended() ? "ended" : read.handedOn() ? "ordering" : "reading";
        Long eta = t.ended() ? Long.valueOf(0) : etaMs < 0 ? null : Long.valueOf((etaMs + 999) / 1000);
        return new FileStatus(read.fileId(), read.file(), state, read.takenAt(), read.rowsRead(),
                Math.max(read.rowsTotal(), read.rowsRead()), read.requests(), t.requests(), t.ordered(), t.failed(),
                t.rejected(), t.unknown(), read.rowsRejected(), eta, t.endedAt());
    }

    public boolean open() {
        return !"ended".equals(state);
    }

    /** Requests handed on whose outcome is not there yet. */
    public long requestsOpen() {
        return Math.max(0, requestsHandedOn - requestsDone);
    }

    /**
     * {@code orders.csv: 5,000 of 5,000 rows read, 1,200 of 4,950 requests with an outcome, 1,150
     * numbers ordered, about 1 min 20 s left}.
     */
    public String line() {
        return file + ": " + FileEndRules.count(rowsRead) + " of " + FileEndRules.count(Math.max(rowsTotal, rowsRead))
                + " rows read, " + FileEndRules.count(requestsDone) + " of " + FileEndRules.count(requestsHandedOn)
                + " requests handed on with an outcome, " + FileEndRules.count(ordered) + " numbers ordered, "
                + (etaSeconds == null ? "time left not known yet"
                : "about " + FileEndRules.duration(Duration.ofSeconds(etaSeconds)) + " left");
    }
}
