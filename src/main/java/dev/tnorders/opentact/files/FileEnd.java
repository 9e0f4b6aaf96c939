package dev.tnorders.opentact.files;

/**
 * The one record per file drop on {@code opentact.order.files} (key = {@code fileId}), also
 * written as {@code <outbox>/<file>.summary.json}: published once every request of the file has
 * its outcome. Money is decimal strings. See docs/inputs-outputs.md.
 */
public record FileEnd(String fileId, String file, String takenAt, String endedAt, long rows, long requests,
                      long ordered, long failed, long rejected, long unknown, long rowsRejected, String boughtNrc,
                      String boughtMrc, long pricesUnknown, String resultsFile, String rejectsFile, String stopped) {
}
