package dev.tnorders.opentact.files;

import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

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
        return ended(read, tally, null, null);
    }

    /**
     * As {@link #ended(FileRead, FileTally)}, for a drop that repeats {@code earlier} ({@link #repeatOf};
     * null: none): its requests that are the earlier drop's get no outcome of their own (they were
     * ordered, or are being ordered, for that drop), so it ends once the earlier drop has ended and its
     * other requests (none, unless the earlier drop stopped before its end) have their outcomes.
     */
    public static boolean ended(FileRead read, FileTally tally, FileRead earlier, FileTally earlierTally) {
        if (read == null || !read.handedOn() || (tally != null && tally.ended())) {
            return false;
        }
        long expected = read.requests();
        if (earlier != null) {
            if (earlierTally == null || !earlierTally.ended()) {
                return false;
            }
            expected -= repeated(read, earlier);
        }
        return (tally == null ? 0 : tally.requests()) >= expected;
    }

    /** Requests of {@code read} that are those of the drop it repeats: its first ones, as many as that one handed on. */
    public static long repeated(FileRead read, FileRead earlier) {
        return earlier == null ? 0 : Math.min(read.requests(), earlier.requests());
    }

    /**
     * The earlier drop whose requests this drop's are, or null. The same content gives the same request
     * ids (rows without request_id: from its digest; with one: as written), and the order journal orders
     * an id once and gives it one outcome while it remembers it ({@code opentact.journal.retention-ms}
     * after its outcome): a drop repeats the first drop of the same content taken before it that is not a
     * repeat itself and whose requests are still remembered when this one is taken (not ended, or ended
     * less than {@code rememberedMs} before). A drop repeating none is an original: its requests are
     * ordered.
     *
     * @param drops   the drops known (this one among them or not), as their readers last told them
     * @param tallies the drops' tallies by file id (whether and when each ended)
     */
    public static FileRead repeatOf(FileRead read, Collection<FileRead> drops, Map<String, FileTally> tallies,
                                    long rememberedMs) {
        if (read == null || read.contentId() == null) {
            return null;
        }
        Comparator<FileRead> taken = Comparator.comparing((FileRead d) -> instant(d.takenAt()))
                .thenComparing(FileRead::fileId);
        List<FileRead> same = new ArrayList<>();
        for (FileRead d : drops) {
            if (read.contentId().equals(d.contentId()) && !d.fileId().equals(read.fileId())
                    && taken.compare(d, read) < 0) {
                same.add(d);
            }
        }
        same.sort(taken);
        same.add(read);
        List<FileRead> originals = new ArrayList<>();
        for (FileRead d : same) {
            FileRead of = null;
            for (FileRead o : originals) {
                if (remembered(tallies.get(o.fileId()), d.takenAt(), rememberedMs)) {
                    of = o;
                    break;
                }
            }
            if (d == read) {
                return of;
            }
            if (of == null) {
                originals.add(d);
            }
        }
        return null;
    }

    /** Whether the journal still remembers, at {@code at}, the requests of the drop with this tally. */
    private static boolean remembered(FileTally tally, String at, long rememberedMs) {
        if (tally == null || !tally.ended()) {
            return true; // its requests are being ordered, or are still to come
        }
        return instant(tally.endedAt()).plusMillis(rememberedMs).isAfter(instant(at));
    }

    private static Instant instant(String at) {
        try {
            return Instant.parse(at);
        } catch (DateTimeParseException | NullPointerException e) {
            return Instant.EPOCH;
        }
    }

    /** The end record of a drop that {@link #ended} at {@code endedAt}. */
    public static FileEnd end(FileRead read, FileTally tally, String endedAt, String resultsFile, String rejectsFile) {
        return end(read, tally, null, endedAt, resultsFile, rejectsFile);
    }

    /** The end record of a drop that repeats {@code earlier} (or none: null) and {@link #ended} at {@code endedAt}. */
    public static FileEnd end(FileRead read, FileTally tally, FileRead earlier, String endedAt, String resultsFile,
                              String rejectsFile) {
        FileTally t = tally == null ? FileTally.empty(read.fileId()) : tally;
        return new FileEnd(read.fileId(), read.file(), read.takenAt(), endedAt, read.rowsRead(), read.requests(),
                t.ordered(), t.failed(), t.rejected(), t.unknown(), read.rowsRejected(), t.boughtNrc(), t.boughtMrc(),
                t.pricesUnknown(), t.requests() > 0 ? resultsFile : null, read.rowsRejected() > 0 ? rejectsFile : null,
                read.stopped(), earlier == null ? null : earlier.fileId(), repeated(read, earlier));
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
        if (e.repeatOf() != null) {
            s.append("; it repeats ").append(e.repeatOf()).append(" (the same content): ")
                    .append(count(e.requestsRepeated())).append(" of its requests were ordered there, not again");
        }
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
