package dev.tnorders.opentact.intake;

import java.io.BufferedInputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.tnorders.opentact.files.FileIds;
import dev.tnorders.opentact.files.FileRead;
import dev.tnorders.opentact.files.FileWatch;
import dev.tnorders.opentact.files.FileWatched;

/**
 * Opens a dropped CSV file as a stream of {@link CsvChunk}s for the csv-intake route's splitter:
 * each chunk is handed to Kafka as one batch, and the file is never held in memory as a whole.
 */
public class CsvIntake implements FileWatched {

    /** The logger of the per-file progress and summary lines. */
    private static final Logger PROGRESS = LoggerFactory.getLogger("dev.tnorders.opentact.intake.progress");

    private final CsvRequestReader reader;
    private final int chunkSize;
    private final long progressEveryRows;
    private final long progressEveryMs;
    private final CsvOutbox outbox;
    /** The files being read (by name, as csv-intake names them) and where their progress is saved. */
    private final Map<String, Saving> reading = new ConcurrentHashMap<>();

    private record Saving(Path sidecar, String fileKey, String contentId, String receivedAt) {
    }

    /** Told what becomes of each file (its progress and manifest on Kafka: FileEnds), when set. */
    private volatile FileWatch watch;
    /** The files being read, for the watch: when each was taken, how many rows it has, when it was last told. */
    private final Map<String, Watched> watched = new ConcurrentHashMap<>();

    private record Watched(String fileId, String takenAt, long rowsTotal, String contentId, long[] lastToldNanos,
                           CsvChunk[] lastChunk) {
    }

    /** How often at most the watch is told of a file's rows while it is read. */
    static final long TELL_EVERY_NANOS = 1_000_000_000L;

    @Override
    public void setFileWatch(FileWatch watch) {
        this.watch = watch;
    }

    public CsvIntake(RequestValidator validator) {
        this(validator, 500, 10_000, 10_000);
    }

    /**
     * @param chunkSize         most rows (requests + rejects) handed to Kafka in one batch
     * @param progressEveryRows a progress line after this many rows ...
     * @param progressEveryMs   ... or this long since the last line, whichever comes first
     */
    public CsvIntake(RequestValidator validator, int chunkSize, long progressEveryRows, long progressEveryMs) {
        this(validator, chunkSize, progressEveryRows, progressEveryMs, null);
    }

    /**
     * @param outbox where the files' rejects go: with it, each file's progress is saved after each
     *               chunk ({@link FileProgress}) and a file read again after a crash goes on from there
     */
    public CsvIntake(RequestValidator validator, int chunkSize, long progressEveryRows, long progressEveryMs,
                     CsvOutbox outbox) {
        if (chunkSize < 1) {
            throw new IllegalArgumentException("opentact.inbox.chunk-size must be at least 1, not " + chunkSize);
        }
        this.reader = new CsvRequestReader(validator);
        this.chunkSize = chunkSize;
        this.progressEveryRows = progressEveryRows;
        this.progressEveryMs = progressEveryMs;
        this.outbox = outbox;
    }

    /** A file's progress line when one is due, and its summary after its last chunk (logger {@code dev.tnorders.opentact.intake.progress}). */
    public void report(CsvChunk chunk) {
        tell(chunk);
        save(chunk);
        if (chunk.progressDue()) {
            PROGRESS.info("{}", chunk.progressLine());
        }
        if (chunk.last()) {
            PROGRESS.info("{}", chunk.summaryLine());
        }
    }

    public CsvChunker chunks(File file, String fileName, String receivedNow) throws IOException {
        long[] lines = new long[1];
        String contentId = contentId(file, lines);
        String receivedAt = receivedNow;
        long skip = 0;
        if (outbox != null) {
            Path sidecar = file.toPath().resolveSibling(FileProgress.sidecarName(file.getName()));
            String fileKey = fileKey(file);
            FileProgress resume = FileProgress.resumeFrom(FileProgress.parse(readQuietly(sidecar)), fileKey, contentId);
            if (resume != null) {
                outbox.truncateRejects(fileName, resume.rejectsBytes());
                skip = resume.items();
                receivedAt = resume.receivedAt();
                PROGRESS.info("Order file {} is read again after an interruption: its first {} items (requests and "
                        + "rejected rows) were handed on already and are not sent again", fileName, skip);
            }
            reading.put(fileName, new Saving(sidecar, fileKey, contentId, receivedAt));
        }
        InputStream in = new BufferedInputStream(Files.newInputStream(file.toPath()), 64 * 1024);
        try {
            CsvRequestReader.Items items = reader.read(in, fileName, contentId, receivedAt);
            String warning = items.columns().warning(fileName);
            if (warning != null) {
                PROGRESS.warn(warning);
            }
            CsvChunker chunker = new CsvChunker(items, fileName, chunkSize, progressEveryRows, progressEveryMs,
                    System::nanoTime, skip);
            taken(fileName, receivedAt, Math.max(0, lines[0] - 1), contentId);
            return chunker;
        } catch (RuntimeException e) {
            in.close();
            throw e;
        }
    }

    /** The watch hears of a file once it is open (its rows counted). */
    private void taken(String fileName, String takenAt, long rowsTotal, String contentId) {
        FileWatch w = watch;
        if (w == null) {
            return;
        }
        Watched f = new Watched(FileIds.of(fileName, takenAt), takenAt, rowsTotal,
                contentId, new long[] {System.nanoTime()}, new CsvChunk[1]);
        watched.put(fileName, f);
        w.reading(new FileRead(f.fileId(), fileName, takenAt, rowsTotal, 0, 0, 0, false,
                null, Instant.now().toString(), contentId), false);
    }

    /**
     * Reading a file stopped before its end (the route failed: the file moves to .failed/): the watch
     * hears that its requests handed on so far are all it has, so that it ends once they have their
     * outcomes (the route's failure step calls this).
     */
    public void stopped(String fileName, String why) {
        FileWatch w = watch;
        Watched gone = watched.remove(fileName);
        if (w == null || gone == null) {
            return; // not watched, or its manifest is out already
        }
        CsvChunk last = gone.lastChunk()[0];
        w.reading(new FileRead(gone.fileId(), fileName, gone.takenAt(), gone.rowsTotal(),
                last == null ? 0 : last.rowsDone(), last == null ? 0 : last.requestsSoFar(),
                last == null ? 0 : last.rejectsSoFar(), true, why == null ? "reading failed" : why,
                Instant.now().toString(), gone.contentId()), false);
    }

    /** Tells the watch how far the file is (at most every second), and its manifest after its last chunk. */
    private void tell(CsvChunk chunk) {
        FileWatch w = watch;
        Watched f = watched.get(chunk.file());
        if (w == null || f == null) {
            return;
        }
        f.lastChunk()[0] = chunk;
        long now = System.nanoTime();
        if (!chunk.last() && now - f.lastToldNanos()[0] < TELL_EVERY_NANOS) {
            return;
        }
        f.lastToldNanos()[0] = now;
        if (chunk.last()) {
            watched.remove(chunk.file());
        }
        w.reading(new FileRead(f.fileId(), chunk.file(), f.takenAt(),
                Math.max(f.rowsTotal(), chunk.rowsDone()), chunk.rowsDone(), chunk.requestsSoFar(), chunk.rejectsSoFar(),
                chunk.last(), null, Instant.now().toString(), f.contentId()), chunk.last());
    }

    /**
     * Saves how far the file is handed on (the route calls this once a chunk's records are all
     * acknowledged). Written to a temporary name and renamed, so a crash leaves the old or the new.
     */
    private void save(CsvChunk chunk) {
        Saving saving = reading.get(chunk.file());
        if (saving == null) {
            return;
        }
        if (chunk.last()) {
            reading.remove(chunk.file());
        }
        FileProgress progress = new FileProgress(saving.fileKey(), saving.contentId(),
                chunk.requestsSoFar() + chunk.rejectsSoFar(), outbox.rejectsSize(chunk.file()), saving.receivedAt());
        Path tmp = saving.sidecar().resolveSibling(saving.sidecar().getFileName() + ".tmp");
        try {
            Files.writeString(tmp, progress.format());
            Files.move(tmp, saving.sidecar(), StandardCopyOption.ATOMIC_MOVE,
                    StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            // Not fatal: read again after a crash, the file would only start over from its first row.
            PROGRESS.warn("Cannot save the progress of order file {}: {}", chunk.file(), e.toString());
        }
    }

    /** The file's identity on its filesystem (kept by a rename); its size and time where there is none. */
    static String fileKey(File file) throws IOException {
        BasicFileAttributes a = Files.readAttributes(file.toPath(),
                BasicFileAttributes.class);
        Object key = a.fileKey();
        return key != null ? key.toString() : a.size() + "@" + a.lastModifiedTime().toMillis();
    }

    private static String readQuietly(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file) : null;
        } catch (IOException e) {
            return null;
        }
    }

    /** The first 16 hex digits of the content's SHA-256: the same content gets the same request ids. */
    static String contentId(File file) {
        return contentId(file, new long[1]);
    }

    /** The content id, and in {@code lines[0]} the file's lines (a last line without line break counted). */
    static String contentId(File file, long[] lines) {
        try (InputStream in = new DigestInputStream(new BufferedInputStream(Files.newInputStream(file.toPath())),
                MessageDigest.getInstance("SHA-256"))) {
            byte[] buf = new byte[64 * 1024];
            long n = 0;
            int last = '\n';
            for (int read = in.read(buf); read >= 0; read = in.read(buf)) {
                // the digest sees every byte read
                for (int i = 0; i < read; i++) {
                    if (buf[i] == '\n') {
                        n++;
                    }
                }
                if (read > 0) {
                    last = buf[read - 1];
                }
            }
            lines[0] = n + (last == '\n' ? 0 : 1);
            return HexFormat.of().formatHex(((DigestInputStream) in).getMessageDigest().digest()).substring(0, 16);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
