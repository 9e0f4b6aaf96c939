package dev.tnorders.opentact.files;

import com.fasterxml.jackson.annotation.JsonCreator;

/**
 * The one record per file drop on {@code opentact.order.files} (key = {@code fileId}), also
 * written as {@code <outbox>/<file>.summary.json}: published once every request of the file has
 * its outcome. Money is decimal strings. See docs/inputs-outputs.md.
 *
 * @param repeatOf         the earlier drop of the same content whose requests this drop's are (its
 *                         outcomes are that drop's), or null
 * @param requestsRepeated requests of this drop that are the earlier drop's (not ordered again, no
 *                         outcome of their own); 0 when {@code repeatOf} is null
 */
public record FileEnd(String fileId, String file, String takenAt, String endedAt, long rows, long requests,
                      long ordered, long failed, long rejected, long unknown, long rowsRejected, String boughtNrc,
                      String boughtMrc, long pricesUnknown, String resultsFile, String rejectsFile, String stopped,
                      String repeatOf, long requestsRepeated) {

    @JsonCreator
    public FileEnd {
    }

    /** A drop that repeats none. */
    public FileEnd(String fileId, String file, String takenAt, String endedAt, long rows, long requests, long ordered,
                   long failed, long rejected, long unknown, long rowsRejected, String boughtNrc, String boughtMrc,
                   long pricesUnknown, String resultsFile, String rejectsFile, String stopped) {
        this(fileId, file, takenAt, endedAt, rows, requests, ordered, failed, rejected, unknown, rowsRejected, boughtNrc,
                boughtMrc, pricesUnknown, resultsFile, rejectsFile, stopped, null, 0);
    }
}
