package dev.tnorders.opentact.intake;

import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashSet;
import java.util.Set;

import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;

/**
 * The lines (request id and number) known to be in one results file, so that a result read again
 * is not written twice. When the writer of the results files dies after writing lines and before
 * committing their offsets, the next writer reads those results again: they are the last lines
 * written, at the end of the file, which is why the end ({@link #TAIL_BYTES}) is enough to read.
 */
final class ResultLines {

    /**
     * How much of a results file's end is read (about 20,000 lines): more than a writer writes
     * between two offset commits (camel-kafka commits every 5 s) below about 4,000 numbers a second.
     */
    static final int TAIL_BYTES = 2 * 1024 * 1024;
    /** Most lines held per file (a few MiB); past it, the end of the file is read again. */
    static final int MAX_LINES = 40_000;

    private final Set<String> keys;

    private ResultLines(Set<String> keys) {
        this.keys = keys;
    }

    static String key(String requestIdCell, String tnCell) {
        return requestIdCell + "\u0000" + tnCell;
    }

    private int skipped;

    /** @return false when the line is there already (counted: {@link #skipped()}) */
    boolean add(String key) {
        if (keys.add(key)) {
            return true;
        }
        skipped++;
        return false;
    }

    /** Lines found there already, so far. */
    int skipped() {
        return skipped;
    }

    boolean full() {
        return keys.size() >= MAX_LINES;
    }

    /** The lines at the end of the file (none when it does not exist). */
    static ResultLines ofTail(Path file) throws IOException {
        String tail;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            long from = Math.max(0, size - TAIL_BYTES);
            ByteBuffer buf = ByteBuffer.allocate((int) (size - from));
            for (int i = 0; i < 1000 && buf.hasRemaining(); i++) {
                if (ch.read(buf, from + buf.position()) < 0) {
                    break;
                }
            }
            tail = new String(buf.array(), 0, buf.position(), StandardCharsets.UTF_8);
            if (from > 0) {
                int nl = tail.indexOf('\n');
                tail = nl < 0 ? "" : tail.substring(nl + 1); // from the first whole line
            }
        } catch (NoSuchFileException e) {
            return new ResultLines(new HashSet<>());
        }
        return new ResultLines(keysIn(tail));
    }

    /** The keys of the lines of a results file's text (cells as written, the first and third). */
    static Set<String> keysIn(String text) {
        Set<String> keys = new HashSet<>();
        try (CSVParser parser = CSVFormat.RFC4180.parse(new StringReader(text))) {
            for (CSVRecord r : parser) {
                if (r.size() >= 3) {
                    keys.add(key(r.get(0), r.get(2)));
                }
            }
        } catch (IOException | UncheckedIOException | IllegalStateException e) {
            // A line cut by a crash at the very end: the keys read before it stand.
        }
        return keys;
    }

}
