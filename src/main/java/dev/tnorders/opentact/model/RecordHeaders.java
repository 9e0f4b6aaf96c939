package dev.tnorders.opentact.model;

/** Kafka record headers the routes write on their output topics. */
public final class RecordHeaders {

    /**
     * On a per-number result from a CSV file: the file's name (UTF-8). The file-results route
     * reads only the records that carry it, without parsing the others.
     */
    public static final String SOURCE_FILE = "opentact-source-file";

    private RecordHeaders() {
    }
}
