package dev.tnorders.opentact.files;

import com.fasterxml.jackson.annotation.JsonCreator;

/**
 * What the instance reading a dropped CSV file says about it on the file-state topic (key
 * {@code read|<file id>}): written when the file is taken, now and then while it is read, and once
 * it is wholly handed on (its manifest: {@code handedOn}). Facts, not increments: a record written
 * again (a file read again after its reader died) says the same.
 *
 * @param fileId       the file drop's id ({@link FileIds#of})
 * @param file         the file's name as dropped
 * @param takenAt      when it was first taken (UTC, as outcomes' {@code received_at})
 * @param rowsTotal    rows in the file (its lines less the header, counted when it was taken; a row
 *                     with a quoted line break counts twice here): the total progress is shown against
 * @param rowsRead     rows read so far (all of them once handed on)
 * @param requests     requests handed on to the requests topic so far
 * @param rowsRejected rows rejected at intake so far (rejects file and DLQ)
 * @param handedOn     every row is handed on: {@code requests} is final
 * @param stopped      why reading stopped before the file's end (it moved to .failed/), or null
 * @param updatedAt    when this was written (UTC)
 * @param contentId    the digest of the file's content its request ids are made from (the same content
 *                     gets the same request ids: {@link FileEndRules#repeatOf}), or null (an older reader)
 */
public record FileRead(String fileId, String file, String takenAt, long rowsTotal, long rowsRead, long requests,
                       long rowsRejected, boolean handedOn, String stopped, String updatedAt, String contentId) {

    @JsonCreator
    public FileRead {
    }

    /** Without a content id: never taken for a repeat. */
    public FileRead(String fileId, String file, String takenAt, long rowsTotal, long rowsRead, long requests,
                    long rowsRejected, boolean handedOn, String stopped, String updatedAt) {
        this(fileId, file, takenAt, rowsTotal, rowsRead, requests, rowsRejected, handedOn, stopped, updatedAt, null);
    }
}
