package dev.tnorders.opentact.files;

/** Told by the reader of a CSV file what it has done with it ({@link FileEnds}). */
public interface FileWatch {

    /**
     * @param mustLand the file's manifest: it must reach Kafka (an exception otherwise); other news is
     *                 best effort
     */
    void reading(FileRead read, boolean mustLand);
}
