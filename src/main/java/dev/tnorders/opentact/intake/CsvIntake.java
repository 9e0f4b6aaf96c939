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
import java.util.Iterator;

/** Opens a dropped CSV file as a stream of {@link CsvItem}s for the csv-intake route's splitter. */
public class CsvIntake {

    private final CsvRequestReader reader;

    public CsvIntake(RequestValidator validator) {
        this.reader = new CsvRequestReader(validator);
    }

    public Iterator<CsvItem> items(File file, String fileName, String receivedAt) throws IOException {
        String contentId = contentId(file);
        InputStream in = new BufferedInputStream(Files.newInputStream(file.toPath()), 64 * 1024);
        try {
            return reader.read(in, fileName, contentId, receivedAt);
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
