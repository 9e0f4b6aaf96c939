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

    public CsvIntake(RequestValidator validator) {
        this(validator, 500, 10_000, 10_000);
    }

    /**
     * @param chunkSize         most rows (requests + rejects) handed to Kafka in one batch
     * @param progressEveryRows a progress line after this many rows ...
     * @param progressEveryMs   ... or this long since the last line, whichever comes first
     */
    public CsvIntake(RequestValidator validator, int chunkSize, long progressEveryRows, long progressEveryMs) {
        if (chunkSize < 1) {
            throw new IllegalArgumentException("opentact.inbox.chunk-size must be at least 1, not " + chunkSize);
        }
        this.reader = new CsvRequestReader(validator);
        this.chunkSize = chunkSize;
        this.progressEveryRows = progressEveryRows;
        this.progressEveryMs = progressEveryMs;
    }

    /** A file's progress line when one is due, and its summary after its last chunk (logger {@code dev.tnorders.opentact.intake.progress}). */
    public void report(CsvChunk chunk) {
        if (chunk.progressDue()) {
            PROGRESS.info("{}", chunk.progressLine());
        }
        if (chunk.last()) {
            PROGRESS.info("{}", chunk.summaryLine());
        }
    }

    public CsvChunker chunks(File file, String fileName, String receivedAt) throws IOException {
        String contentId = contentId(file);
        InputStream in = new BufferedInputStream(Files.newInputStream(file.toPath()), 64 * 1024);
        try {
            CsvRequestReader.Items items = reader.read(in, fileName, contentId, receivedAt);
            String warning = items.columns().warning(fileName);
            if (warning != null) {
                PROGRESS.warn(warning);
            }
            return new CsvChunker(items, fileName, chunkSize, progressEveryRows, progressEveryMs, System::nanoTime);
        } catch (RuntimeException e) {
            in.close();
            throw e;
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
