package dev.tnorders.opentact.files;

/** A reader of CSV files that tells a {@link FileWatch} about them (set once the watch has started). */
public interface FileWatched {

    void setFileWatch(FileWatch watch);
}
