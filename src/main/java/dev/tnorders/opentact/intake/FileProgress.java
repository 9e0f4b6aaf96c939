package dev.tnorders.opentact.intake;

import java.io.IOException;
import java.io.StringReader;
import java.util.Properties;

/**
 * How far a claimed order file was handed on, saved after each chunk beside the file (a hidden
 * {@code .<name>.progress} in the claim folder, which travels with the file when another instance
 * takes it over). A file read again after its reader was killed (kill -9) goes on from there: the
 * items already handed on (their requests acknowledged, their bad rows written and on the DLQ) are
 * read past without being sent again, and the rejects file is cut back to its length then, so that
 * the bad rows of the chunk that was in flight are not written twice. No I/O here.
 *
 * @param fileKey      the file's identity (its filesystem key, which a rename keeps): a new file of
 *                     the same name and content is read from its start
 * @param contentId    the digest the request ids come from ({@link CsvIntake#contentId})
 * @param items        the file's items (requests and bad rows, {@link CsvItem}) handed on
 * @param rejectsBytes the length of the file's rejects file once those were written
 * @param receivedAt   when the file was first read: its rows read on keep it (their outcomes'
 *                     {@code received_at}, and the one file budget, opentact.budget.file-nrc, they count against)
 */
public record FileProgress(String fileKey, String contentId, long items, long rejectsBytes, String receivedAt) {

    /** The saved form, a properties text. */
    public String format() {
        return "file-key=" + escape(fileKey) + "\ncontent-id=" + contentId + "\nitems=" + items + "\nrejects-bytes="
                + rejectsBytes + "\nreceived-at=" + escape(receivedAt) + "\n";
    }

    /** The saved progress, or null when the text is not one (cut short by a crash, or foreign). */
    public static FileProgress parse(String text) {
        if (text == null) {
            return null;
        }
        Properties p = new Properties();
        try {
            p.load(new StringReader(text));
            String key = p.getProperty("file-key");
            String content = p.getProperty("content-id");
            long items = Long.parseLong(p.getProperty("items", "-1"));
            long bytes = Long.parseLong(p.getProperty("rejects-bytes", "-1"));
            String receivedAt = p.getProperty("received-at");
            if (key == null || content == null || items < 0 || bytes < 0 || receivedAt == null || receivedAt.isBlank()) {
                return null;
            }
            return new FileProgress(key, content, items, bytes, receivedAt);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /**
     * Where to go on from for the file now being opened: the saved progress when it is this very
     * file (same key, same content), otherwise none (null: read from the start).
     */
    public static FileProgress resumeFrom(FileProgress saved, String fileKey, String contentId) {
        if (saved == null || !saved.fileKey().equals(fileKey) || !saved.contentId().equals(contentId)
                || saved.items() == 0) {
            return null;
        }
        return saved;
    }

    /** The progress file of an order file: {@code .<name>.progress} beside it. */
    public static String sidecarName(String fileName) {
        return "." + fileName + ".progress";
    }

    /** The order file a progress file belongs to, or null when the name is not a progress file's. */
    public static String fileOf(String sidecarName) {
        if (sidecarName.startsWith(".") && sidecarName.endsWith(".progress") && sidecarName.length() > ".progress".length() + 1) {
            return sidecarName.substring(1, sidecarName.length() - ".progress".length());
        }
        return null;
    }

    private static String escape(String s) {
        return s.replace("\\", "\\\\").replace("\n", "\\n").replace("=", "\\=").replace(":", "\\:");
    }
}
