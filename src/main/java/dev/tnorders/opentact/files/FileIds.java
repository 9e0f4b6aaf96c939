package dev.tnorders.opentact.files;

/**
 * A file drop's id: its name and when it was taken, {@code orders.csv@2026-12-06T23:04:10.123Z}.
 * Every request of a file carries both (its outcome's {@code source.file} and {@code received_at},
 * kept when the file is read again after a crash), so an outcome names its drop; the same file
 * dropped again later is another drop. The same id the spending budget counts a file by.
 */
public final class FileIds {

    /** Keys on the file-state topic: the reader's part and the end tracker's part of one drop. */
    public static final String READ = "read|";
    public static final String TALLY = "tally|";

    private FileIds() {
    }

    public static String of(String file, String takenAt) {
        return file + "@" + takenAt;
    }
}
