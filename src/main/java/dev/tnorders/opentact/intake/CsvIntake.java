package dev.tnorders.opentact.intake;

import java.io.BufferedInputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens a dropped CSV file as a stream of {@link CsvChunk}s for the csv-intake route's splitter:
 * each chunk is handed to Kafka as one batch, and the file is never held in memory as a whole.
 */
public class CsvIntake {

    /** The logger of the per-file progress and summary lines. */
    private static final Logger PROGRESS = LoggerFactory.getLogger("dev.tnorders.opentact.intake.progress");

    private final CsvRequestReader reader;
    private final int chunkSize;
    private final long progressEveryRows;
    private final long progressEveryMs;
    private final CsvOutbox outbox;
    /** The files being read (by name, as csv-intake names them) and where their progress is saved. */
    private final java.util.Map<String, Saving> reading = new java.util.concurrent.ConcurrentHashMap<>();

    private record Saving(java.nio.file.Path sidecar, String fileKey, String contentId, String receivedAt) {
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
        save(chunk);
        if (chunk.progressDue()) {
            PROGRESS.info("{}", chunk.progressLine());
        }
        if (chunk.last()) {
            PROGRESS.info("{}", chunk.summaryLine());
        }
    }

    public CsvChunker chunks(File file, String fileName, String receivedNow) throws IOException {
        String contentId = contentId(file);
        String receivedAt = receivedNow;
        long skip = 0;
        if (outbox != null) {
            java.nio.file.Path sidecar = file.toPath().resolveSibling(FileProgress.sidecarName(file.getName()));
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
            return new CsvChunker(items, fileName, chunkSize, progressEveryRows, progressEveryMs, System::nanoTime, skip);
        } catch (RuntimeException e) {
            in.close();
            throw e;
        }
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
        java.nio.file.Path tmp = saving.sidecar().resolveSibling(saving.sidecar().getFileName() + ".tmp");
        try {
            Files.writeString(tmp, progress.format());
            Files.move(tmp, saving.sidecar(), java.nio.file.StandardCopyOption.ATOMIC_MOVE,
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            // Not fatal: read again after a crash, the file would only start over from its first row.
            PROGRESS.warn("Cannot save the progress of order file {}: {}", chunk.file(), e.toString());
        }
    }

    /** The file's identity on its filesystem (kept by a rename); its size and time where there is none. */
    static String fileKey(File file) throws IOException {
        java.nio.file.attribute.BasicFileAttributes a = Files.readAttributes(file.toPath(),
                java.nio.file.attribute.BasicFileAttributes.class);
        Object key = a.fileKey();
        return key != null ? key.toString() : a.size() + "@" + a.lastModifiedTime().toMillis();
    }

    private static String readQuietly(java.nio.file.Path file) {
        try {
            return Files.exists(file) ? Files.readString(file) : null;
        } catch (IOException e) {
            return null;
        }
    }

    /** The first 16 hex digits of the content's SHA-256: the same content gets the same request ids. */
    static String contentId(File file) {
        try (InputStream in = new DigestInputStream(new BufferedInputStream(Files.newInputStream(file.toPath())),
                MessageDigest.getInstance("SHA-256"))) {
            byte[] buf = new byte[64 * 1024];
            while (in.read(buf) >= 0) {
                // the digest sees every byte read
            }
            return HexFormat.of().formatHex(((DigestInputStream) in).getMessageDigest().digest()).substring(0, 16);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
