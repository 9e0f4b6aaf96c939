package dev.tnorders.opentact.intake;

import java.io.Closeable;
import java.util.ArrayList;
import java.util.List;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.function.LongSupplier;

import dev.tnorders.opentact.model.OrderRequest;

/**
 * Cuts a file's stream of {@link CsvItem}s into {@link CsvChunk}s of at most {@code chunkSize}
 * items, so that each chunk's requests can go to Kafka as one batch. Only the current chunk is in
 * memory. A chunk is also closed early once its bad rows hold many characters (a file of huge bad
 * lines must not fill the heap), and a file always yields at least one (possibly empty) last chunk,
 * so that every file gets its summary line.
 */
public final class CsvChunker implements Iterator<CsvChunk>, Closeable {

    /** Characters of bad rows (kept as written) after which a chunk is closed early. */
    static final long MAX_REJECTED_CHARS = 4L * 1024 * 1024;

    private final CsvRequestReader.Items items;
    private final String file;
    private final int chunkSize;
    private final long progressEveryRows;
    private final long progressEveryNanos;
    private final LongSupplier clock;
    private final long startedNanos;
    private long requests;
    private long rejects;
    private long rowsAtLastProgress;
    private long nanosAtLastProgress;
    private boolean lastGiven;

    /**
     * @param progressEveryRows  a progress line is due after this many rows since the last one ...
     * @param progressEveryMs    ... or after this long since the last one, whichever comes first
     */
    public CsvChunker(CsvRequestReader.Items items, String file, int chunkSize, long progressEveryRows,
                      long progressEveryMs, LongSupplier clock) {
        this(items, file, chunkSize, progressEveryRows, progressEveryMs, clock, 0);
    }

    /**
     * @param skipItems items handed on by an earlier read of this file (its {@link FileProgress}):
     *                  read past, counted, not handed on again
     */
    public CsvChunker(CsvRequestReader.Items items, String file, int chunkSize, long progressEveryRows,
                      long progressEveryMs, LongSupplier clock, long skipItems) {
        if (chunkSize < 1) {
            throw new IllegalArgumentException("opentact.inbox.chunk-size must be at least 1, not " + chunkSize);
        }
        this.items = items;
        this.file = file;
        this.chunkSize = chunkSize;
        this.progressEveryRows = Math.max(1, progressEveryRows);
        this.progressEveryNanos = Math.max(1, progressEveryMs) * 1_000_000L;
        this.clock = clock;
        this.startedNanos = clock.getAsLong();
        this.nanosAtLastProgress = startedNanos;
        for (long i = 0; i < skipItems && items.hasNext(); i++) {
            if (items.next() instanceof CsvItem.Accepted) {
                requests++;
            } else {
                rejects++;
            }
        }
    }

    @Override
    public boolean hasNext() {
        return !lastGiven;
    }

    @Override
    public CsvChunk next() {
        if (lastGiven) {
            throw new NoSuchElementException();
        }
        List<OrderRequest> accepted = new ArrayList<>();
        List<CsvItem.Rejected> rejected = new ArrayList<>();
        long rejectedChars = 0;
        while (accepted.size() + rejected.size() < chunkSize && rejectedChars < MAX_REJECTED_CHARS
                && items.hasNext()) {
            CsvItem item = items.next();
            if (item instanceof CsvItem.Accepted a) {
                accepted.add(a.request());
            } else if (item instanceof CsvItem.Rejected r) {
                rejected.add(r);
                rejectedChars += chars(r);
            }
        }
        long rows = items.rowsRead(); // before looking ahead, which may read the next chunk's first row
        boolean last = !items.hasNext();
        if (last) {
            rows = items.rowsRead();
            lastGiven = true;
            items.close();
        }
        requests += accepted.size();
        rejects += rejected.size();
        long now = clock.getAsLong();
        boolean progressDue = !last && (rows - rowsAtLastProgress >= progressEveryRows
                || now - nanosAtLastProgress >= progressEveryNanos);
        if (progressDue) {
            rowsAtLastProgress = rows;
            nanosAtLastProgress = now;
        }
        return new CsvChunk(file, List.copyOf(accepted), List.copyOf(rejected), rows, requests, rejects, startedNanos,
                progressDue, last, items.columns().unrecognised());
    }

    private static long chars(CsvItem.Rejected r) {
        long n = r.reason() == null ? 0 : r.reason().length();
        for (String v : r.values()) {
            n += v == null ? 0 : v.length();
        }
        return n;
    }

    /** Closes the file early (the route stopped on an error). */
    @Override
    public void close() {
        lastGiven = true;
        items.close();
    }
}
