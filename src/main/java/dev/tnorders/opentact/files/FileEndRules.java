package dev.tnorders.opentact.files;

import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Locale;

/**
 * When a file drop has ended, what its end record says, and the line a person reads. No I/O.
 */
public final class FileEndRules {

    private FileEndRules() {
    }

    /**
     * A drop has ended once it is wholly handed on (or stopped: its rows handed on before count) and
     * each of its requests has an outcome. A file whose every row was rejected ends as soon as it is
     * handed on. An ended drop never ends again.
     */
    public static boolean ended(FileRead read, FileTally tally) {
        if (read == null || !read.handedOn() || (tally != null && tally.ended())) {
            return false;
        }
        return (tally == null ? 0 : tally.requests()) >= read.requests();
    }

    /** The end record of a drop that {@link #ended} at {@code endedAt}. */
    public static FileEnd end(FileRead read, FileTally tally, String endedAt, String resultsFile, String rejectsFile) {
        FileTally t = tally == null ? FileTally.empty(read.fileId()) : tally;
        return new FileEnd(read.fileId(), read.file(), read.takenAt(), endedAt, read.rowsRead(), read.requests(),
                t.ordered(), t.failed(), t.rejected(), t.unknown(), read.rowsRejected(), t.boughtNrc(), t.boughtMrc(),
                t.pricesUnknown(), t.requests() > 0 ? resultsFile : null, read.rowsRejected() > 0 ? rejectsFile : null,
                read.stopped());
    }

    /** {@code orders.csv: done in 4 min 12 s: 4,950 ordered, 12 failed, 3 rejected, 0 unknown; ...}. */
    public static String line(FileEnd e) {
        StringBuilder s = new StringBuilder(e.file()).append(": ")
                .append(e.stopped() == null ? "done" : "done (reading stopped: " + e.stopped() + ")")
                .append(" in ").append(duration(between(e.takenAt(), e.endedAt()))).append(": ")
                .append(count(e.ordered())).append(" ordered, ").append(count(e.failed())).append(" failed, ")
                .append(count(e.rejected())).append(" rejected, ").append(count(e.unknown())).append(" unknown (")
                .append(count(e.requests())).append(" requests from ").append(count(e.rows())).append(" rows; ")
                .append(count(e.rowsRejected())).append(" rows rejected at intake); bought ")
                .append(e.boughtNrc()).append(" one-time, ").append(e.boughtMrc()).append(" monthly");
        if (e.pricesUnknown() > 0) {
            s.append(" (and ").append(count(e.pricesUnknown())).append(" requests' price unknown)");
        }
        if (e.resultsFile() != null) {
            s.append("; results in ").append(e.resultsFile());
        }
        if (e.rejectsFile() != null) {
            s.append("; rejects in ").append(e.rejectsFile());
        }
        return s.toString();
    }

    static String count(long n) {
        return String.format(Locale.US, "%,d", n);
    }

    /** Between two UTC times as written in records (zero when either cannot be read). */
    static Duration between(String from, String to) {
        try {
            Duration d = Duration.between(Instant.parse(from), Instant.parse(to));
            return d.isNegative() ? Duration.ZERO : d;
        } catch (DateTimeParseException | NullPointerException e) {
            return Duration.ZERO;
        }
    }

    /** {@code 12 s}, {@code 4 min 12 s}, {@code 2 h 5 min}; under 10 s with a tenth: {@code 0.4 s}. */
    public static String duration(Duration d) {
        long ms = Math.max(0, d.toMillis());
        if (ms < 10_000) {
            return String.format(Locale.US, "%.1f s", ms / 1000.0);
        }
        long s = Math.round(ms / 1000.0);
        if (s < 60) {
            return s + " s";
        }
        if (s < 3600) {
            return s / 60 + " min " + s % 60 + " s";
        }
        return s / 3600 + " h " + (s % 3600) / 60 + " min";
    }
}
