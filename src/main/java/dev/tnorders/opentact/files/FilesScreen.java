package dev.tnorders.opentact.files;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The terminal view of the CSV files (the {@code WatchFiles} command): the records of the
 * file-state topic and of the files topic in, the text of one screen out. No I/O and no clock of
 * its own: each record comes with when it was seen, and {@link #render} with the time it shows,
 * so a recorded sequence of records always gives the same screen.
 *
 * <p>Each file in progress: a progress bar of its requests with an outcome (of those it will have:
 * while it is read, the requests so far scaled by the rows left), its rows, its numbers per state
 * and the time left at the rate of the last minute. Each file ended within {@code endedShownMs}:
 * its end as its end record tells it.
 */
public final class FilesScreen {

    /** One record as seen: its topic, key and value, and when (epoch ms). */
    public record Seen(long atMs, String topic, String key, String value) {
    }

    static final int BAR = 40;
    static final int MOST_ENDED = 10;
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss", Locale.US)
            .withZone(ZoneOffset.UTC);

    private final ObjectMapper json = FileJson.mapper();
    private final String stateTopic;
    private final String filesTopic;
    private final long endedShownMs;
    private final long rememberedMs;
    private final Map<String, FileRead> reads = new HashMap<>();
    private final Map<String, FileTally> tallies = new HashMap<>();
    private final Map<String, FileEnd> ends = new HashMap<>();
    private final Map<String, Eta> etas = new HashMap<>();
    /** When each drop's last tally was seen (epoch ms). */
    private final Map<String, Long> tallySeenAt = new HashMap<>();

    /**
     * @param endedShownMs how long an ended file is shown ({@code opentact.files.ended-shown-ms})
     * @param rememberedMs how long the journal remembers a request ({@code opentact.journal.retention-ms}):
     *                     which drop a file in progress repeats ({@link FileEndRules#repeatOf})
     */
    public FilesScreen(String stateTopic, String filesTopic, long endedShownMs, long rememberedMs) {
        this.stateTopic = stateTopic;
        this.filesTopic = filesTopic;
        this.endedShownMs = endedShownMs;
        this.rememberedMs = rememberedMs;
    }

    /** The screen after these records, at {@code now}. */
    public static String render(List<Seen> records, String stateTopic, String filesTopic, long endedShownMs,
                                long rememberedMs, Instant now) {
        FilesScreen s = new FilesScreen(stateTopic, filesTopic, endedShownMs, rememberedMs);
        records.forEach(s::add);
        return s.render(now);
    }

    /** Takes one record in; a record of neither topic, or one that cannot be read, is passed over. */
    public void add(Seen r) {
        if (r.key() == null) {
            return;
        }
        try {
            if (r.topic().equals(filesTopic)) {
                if (r.value() == null) {
                    ends.remove(r.key());
                } else {
                    FileEnd e = json.readValue(r.value(), FileEnd.class);
                    ends.put(e.fileId() == null ? r.key() : e.fileId(), e);
                }
            } else if (r.topic().equals(stateTopic) && r.key().startsWith(FileIds.READ)) {
                String id = r.key().substring(FileIds.READ.length());
                if (r.value() == null) {
                    reads.remove(id);
                } else {
                    reads.put(id, json.readValue(r.value(), FileRead.class));
                }
            } else if (r.topic().equals(stateTopic) && r.key().startsWith(FileIds.TALLY)) {
                String id = r.key().substring(FileIds.TALLY.length());
                if (r.value() == null) {
                    tallies.remove(id);
                } else {
                    FileTally t = json.readValue(r.value(), FileTally.class);
                    tallies.put(id, t);
                    etas.computeIfAbsent(id, k -> new Eta(60_000)).observe(r.atMs(), t.requests());
                    tallySeenAt.put(id, r.atMs());
                }
            }
        } catch (IOException | RuntimeException e) {
            // not a file's record (another writer's, a newer format's): not shown
        }
    }

    /** Whether some file shown is not ended yet. */
    public boolean anyOpen() {
        return reads.values().stream().anyMatch(r -> !ended(r.fileId()));
    }

    private boolean ended(String id) {
        FileTally t = tallies.get(id);
        return ends.containsKey(id) || (t != null && t.ended());
    }

    /** One screen at {@code now}: a header line, then each file in progress, then each file ended lately. */
    public String render(Instant now) {
        List<FileRead> open = new ArrayList<>();
        List<FileRead> done = new ArrayList<>();
        for (FileRead r : reads.values()) {
            if (!ended(r.fileId())) {
                open.add(r);
            } else if (endedAt(r.fileId()).isAfter(now.minusMillis(endedShownMs))) {
                done.add(r);
            }
        }
        open.sort(Comparator.comparing(FileRead::takenAt, Comparator.nullsFirst(Comparator.naturalOrder()))
                .thenComparing(FileRead::fileId));
        done.sort(Comparator.comparing((FileRead r) -> endedAt(r.fileId())).reversed().thenComparing(FileRead::fileId));
        if (done.size() > MOST_ENDED) {
            done = done.subList(0, MOST_ENDED);
        }
        StringBuilder s = new StringBuilder();
        s.append("Order files at ").append(TIME.format(now)).append(" UTC: ").append(open.size())
                .append(" in progress, ").append(done.size()).append(" ended in the last ")
                .append(FileEndRules.duration(Duration.ofMillis(endedShownMs))).append('\n');
        if (open.isEmpty() && done.isEmpty()) {
            s.append("\nNo file in progress. Drop a CSV file into the inbox folder.\n");
        }
        for (FileRead r : open) {
            s.append('\n');
            inProgress(s, r, now);
        }
        for (FileRead r : done) {
            s.append('\n');
            ended(s, r);
        }
        return s.toString();
    }

    private Instant endedAt(String id) {
        FileEnd e = ends.get(id);
        FileTally t = tallies.get(id);
        String at = e != null ? e.endedAt() : t != null ? t.endedAt() : null;
        try {
            return at == null ? Instant.EPOCH : Instant.parse(at);
        } catch (RuntimeException ex) {
            return Instant.EPOCH;
        }
    }

    private void inProgress(StringBuilder s, FileRead r, Instant now) {
        FileTally t = tallies.getOrDefault(r.fileId(), FileTally.empty(r.fileId()));
        Eta eta = etas.get(r.fileId());
        long expected = Eta.expectedRequests(r);
        long etaMs = eta == null ? -1 : eta.remainingMs(expected);
        String state = r.handedOn() ? "ordering" : "reading";
        heading(s, r, state, "taken " + TIME.format(parse(r.takenAt())) + ", "
                + FileEndRules.duration(FileEndRules.between(r.takenAt(), now.toString())) + " ago");
        double fraction = expected <= 0 ? 0 : Math.min(1.0, (double) t.requests() / expected);
        if (!r.handedOn()) {
            fraction = Math.min(fraction, 0.99);
        }
        s.append("  ").append(bar(fraction)).append(' ')
                .append(String.format(Locale.US, "%3d%%", (int) Math.floor(fraction * 100))).append("  ")
                .append(count(t.requests())).append(" of ").append(count(r.requests()))
                .append(r.handedOn() ? "" : "+").append(" requests with an outcome\n");
        s.append("  rows ").append(count(r.rowsRead())).append(" of ").append(count(Math.max(r.rowsTotal(), r.rowsRead())))
                .append(" read (").append(count(r.rowsRejected())).append(" rejected)   numbers ")
                .append(numbers(t.ordered(), t.failed(), t.rejected(), t.unknown())).append('\n');
        FileRead earlier = FileEndRules.repeatOf(r, reads.values(), tallies, rememberedMs);
        if (earlier != null) {
            s.append("  repeats ").append(earlier.file()).append(" taken ").append(TIME.format(parse(earlier.takenAt())))
                    .append(" (the same content): its requests are ordered there, not again; it ends with it\n");
        }
        long quietMs = now.toEpochMilli() - tallySeenAt.getOrDefault(r.fileId(), now.toEpochMilli());
        if (etaMs > 0 && quietMs > etaMs) { // the estimate is past: the last requests take longer than the rate said
            s.append("  time left: not known (the last outcome came ")
                    .append(FileEndRules.duration(Duration.ofMillis(quietMs))).append(" ago)");
        } else {
            s.append("  ").append(etaMs < 0 ? "time left: not known yet"
                    : etaMs == 0 ? "time left: none" : "time left: about " + FileEndRules.duration(Duration.ofMillis(etaMs)));
        }
        if (r.stopped() != null) {
            s.append("   reading stopped: ").append(r.stopped());
        }
        s.append('\n');
    }

    private void ended(StringBuilder s, FileRead r) {
        FileEnd e = ends.get(r.fileId());
        if (e == null) { // its tally says ended; its end record is not read yet
            FileTally t = tallies.get(r.fileId());
            e = FileEndRules.end(r, t, t.endedAt(), null, null);
        }
        heading(s, r, "ended", "taken " + TIME.format(parse(e.takenAt())) + ", done in "
                + FileEndRules.duration(FileEndRules.between(e.takenAt(), e.endedAt())));
        s.append("  ").append(bar(1)).append(" 100%  ").append(count(e.requests())).append(" of ")
                .append(count(e.requests())).append(e.repeatOf() == null ? " requests with an outcome\n"
                        : " requests done, " + count(e.requestsRepeated()) + " of them in the drop it repeats\n");
        if (e.repeatOf() != null) {
            s.append("  repeats ").append(e.repeatOf()).append(" (the same content): ordered there, not again\n");
        }
        s.append("  rows ").append(count(e.rows())).append(" (").append(count(e.rowsRejected()))
                .append(" rejected)   numbers ").append(numbers(e.ordered(), e.failed(), e.rejected(), e.unknown()))
                .append('\n');
        s.append("  bought ").append(e.boughtNrc()).append(" one-time, ").append(e.boughtMrc()).append(" monthly");
        if (e.pricesUnknown() > 0) {
            s.append(" (").append(count(e.pricesUnknown())).append(" prices unknown)");
        }
        if (e.stopped() != null) {
            s.append("   reading stopped: ").append(e.stopped());
        }
        s.append('\n');
        if (e.resultsFile() != null) {
            s.append("  results ").append(e.resultsFile()).append('\n');
        }
        if (e.rejectsFile() != null) {
            s.append("  rejects ").append(e.rejectsFile()).append('\n');
        }
    }

    private static void heading(StringBuilder s, FileRead r, String state, String when) {
        s.append(r.file()).append("  ").append(state.toUpperCase(Locale.US)).append("  ").append(when).append('\n');
    }

    private static String numbers(long ordered, long failed, long rejected, long unknown) {
        return count(ordered) + " ordered, " + count(failed) + " failed, " + count(rejected) + " rejected, "
                + count(unknown) + " unknown";
    }

    static String bar(double fraction) {
        int full = (int) Math.floor(Math.max(0, Math.min(1, fraction)) * BAR);
        return "[" + "#".repeat(full) + ".".repeat(BAR - full) + "]";
    }

    private static String count(long n) {
        return FileEndRules.count(n);
    }

    private static Instant parse(String at) {
        try {
            return Instant.parse(at);
        } catch (RuntimeException e) {
            return Instant.EPOCH;
        }
    }
}
