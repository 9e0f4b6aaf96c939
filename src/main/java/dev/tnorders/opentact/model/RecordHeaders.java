package dev.tnorders.opentact.model;

/** Kafka record headers the routes write on their output topics and on the order journal. */
public final class RecordHeaders {

    /**
     * On a per-number result from a CSV file: the file's name (UTF-8). The file-results route
     * reads only the records that carry it, without parsing the others.
     */
    public static final String SOURCE_FILE = "opentact-source-file";

    /**
     * On an order journal entry: which running instance wrote it (a random id per start), so
     * that the instance's own reader can pass over what it remembers already.
     */
    public static final String JOURNAL_WRITER = "opentact-journal-writer";

    /** On an order journal entry: its phase ({@code intent}, {@code placed}, {@code done}). */
    public static final String JOURNAL_PHASE = "opentact-journal-phase";

    private RecordHeaders() {
    }
}
