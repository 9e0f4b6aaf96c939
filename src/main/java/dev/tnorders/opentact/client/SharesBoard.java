package dev.tnorders.opentact.client;

import java.util.List;

/**
 * The shares topic ({@code opentact.topics.rate-shares}) as this instance sees it: it publishes
 * its record and reads everyone's in the log's order ({@link RateSharesTopic}; a list in tests).
 */
public interface SharesBoard extends AutoCloseable {
    /** Appends this instance's record; returns once written (acknowledged), or throws. */
    void publish(String key, String value, long timeoutMs) throws Exception;

    /** The records appended since the last read, in order, up to the log's end now, as {key, value}. */
    List<String[]> read(long timeoutMs) throws Exception;

    /** The topic's name, for the log. */
    String name();

    @Override
    default void close() {
    }
}
