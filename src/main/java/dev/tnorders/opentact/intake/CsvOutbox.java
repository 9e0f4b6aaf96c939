package dev.tnorders.opentact.intake;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVPrinter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.tnorders.opentact.kafka.OneResultsWriter;
import dev.tnorders.opentact.model.NumberResult;

/**
 * Writes the per-file CSVs of the outbox: {@code <file>.rejects.csv} (each bad row unchanged plus
 * {@code reject_reason}) and {@code <file>.results.csv} (one row per number). Cells a spreadsheet
 * would run as a formula are neutralised with a leading quote.
 */
public class CsvOutbox {

    public static final List<String> RESULT_COLUMNS = List.of("request_id", "line", "tn", "state", "reason",
            "order_uuid", "nrc", "mrc");

    private static final Logger LOG = LoggerFactory.getLogger(CsvOutbox.class);

    private final Path outbox;
    /** Per results file, the lines known to be there (see {@link #writtenLines}); a few files at most. */
    private final Map<String, ResultLines> written = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, ResultLines> eldest) {
            return size() > 8;
        }
    };
    private long resultsGeneration = -1;

    public CsvOutbox(String outboxDir) {
        this.outbox = Path.of(outboxDir);
    }

    public synchronized void reject(CsvItem.Rejected row) {
        rejectAll(List.of(row));
    }

    /** Appends bad rows of one file, opening the rejects file once (a chunk's worth at a time). */
    public synchronized void rejectAll(List<CsvItem.Rejected> rows) {
        if (rows.isEmpty()) {
            return;
        }
        CsvItem.Rejected first = rows.get(0);
        List<String> header = new ArrayList<>(first.header());
        header.add("reject_reason");
        List<List<String>> lines = new ArrayList<>(rows.size());
        for (CsvItem.Rejected row : rows) {
            if (!row.file().equals(first.file())) {
                throw new IllegalArgumentException("rejected rows of two files: " + first.file() + ", " + row.file());
            }
            List<String> values = new ArrayList<>(row.values());
            values.add(row.reason());
            lines.add(values);
        }
        append(safeName(first.file()) + ".rejects.csv", header, lines);
    }

    public synchronized void result(NumberResult n) {
        if (n.source() == null || !n.source().fromFile()) {
            return;
        }
        String name = safeName(n.source().file()) + ".results.csv";
        String key = ResultLines.key(neutralise(nz(n.requestId())), neutralise(nz(n.tn())));
        ResultLines written = writtenLines(name);
        if (written != null && !written.add(key)) {
            // There already: a result read again after the last writer died before committing it.
            if (written.skipped() == 1) {
                LOG.info("Results file {}: a result read again (request {}, {}) is there already and not written "
                        + "twice; further ones are logged at DEBUG", name, n.requestId(), n.tn());
            } else {
                LOG.debug("Results file {}: request {}, {} is there already", name, n.requestId(), n.tn());
            }
            return;
        }
        append(name, RESULT_COLUMNS, List.of(List.of(nz(n.requestId()),
                String.valueOf(n.source().line()), nz(n.tn()), n.state().name(), nz(n.reason()), nz(n.orderUuid()),
                nz(n.nrc()), nz(n.mrc()))));
    }

    /**
     * The lines of a results file this writer knows are there: its end as read when this writer
     * first appended to it since it became the writer (OneResultsWriter's assignments), and what it
     * wrote since. Null when the file's end cannot be read (then nothing is held back).
     */
    private ResultLines writtenLines(String name) {
        long generation = OneResultsWriter.assignments();
        if (generation != resultsGeneration) {
            written.clear(); // another writer may have appended meanwhile
            resultsGeneration = generation;
        }
        ResultLines lines = written.get(name);
        if (lines == null || lines.full()) {
            Path file = outbox.resolve(name);
            try {
                lines = ResultLines.ofTail(file);
            } catch (IOException | UncheckedIOException e) {
                return null;
            }
            written.put(name, lines);
        }
        return lines;
    }

    private void append(String name, List<String> header, List<List<String>> rows) {
        Path file = outbox.resolve(name);
        try {
            Files.createDirectories(outbox);
            boolean isNew = !Files.exists(file) || Files.size(file) == 0;
            try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND); CSVPrinter p = new CSVPrinter(w, CSVFormat.RFC4180)) {
                if (isNew) {
                    p.printRecord(header.stream().map(CsvOutbox::neutralise).toList());
                }
                for (List<String> values : rows) {
                    p.printRecord(values.stream().map(CsvOutbox::neutralise).toList());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    /** The length of a file's rejects file (0 when there is none yet). */
    public synchronized long rejectsSize(String file) {
        Path f = outbox.resolve(safeName(file) + ".rejects.csv");
        try {
            return Files.exists(f) ? Files.size(f) : 0;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the size of " + f, e);
        }
    }

    /**
     * Cuts a file's rejects file back to {@code bytes} (what it held when the file's progress was
     * last saved): a file read again after a crash does not write the bad rows of its chunk in
     * flight twice. Only the instance that claimed the file writes its rejects file.
     */
    public synchronized void truncateRejects(String file, long bytes) {
        Path f = outbox.resolve(safeName(file) + ".rejects.csv");
        try {
            if (Files.exists(f) && Files.size(f) > bytes) {
                try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE)) {
                    ch.truncate(bytes);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot cut back " + f, e);
        }
    }

    /** The cells of a row as one CSV line, for DLQ payloads. */
    static String line(List<String> values) {
        StringWriter w = new StringWriter();
        try (CSVPrinter p = new CSVPrinter(w, CSVFormat.RFC4180.builder().setRecordSeparator("").get())) {
            p.printRecord(values);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return w.toString();
    }

    /**
     * A cell starting with {@code = @ tab CR}, or with {@code + -} not followed by a plain number
     * (so E.164 numbers and negative amounts stay as they are), gets a leading {@code '}.
     */
    static String neutralise(String cell) {
        if (cell == null || cell.isEmpty()) {
            return cell;
        }
        char c = cell.charAt(0);
        boolean risky = c == '=' || c == '@' || c == '\t' || c == '\r'
                || ((c == '+' || c == '-') && !cell.substring(1).matches("[0-9]+(\\.[0-9]+)?"));
        return risky ? "'" + cell : cell;
    }

    /** Only the file's own name, so that a name like ../../x cannot write outside the outbox. */
    static String safeName(String file) {
        String name = Path.of(file).getFileName().toString();
        return name.replaceAll("[^\\p{Alnum}._-]", "_");
    }

    private static String nz(String s) {
        return s == null ? "" : s;
    }
}
