package dev.tnorders.opentact.intake;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import dev.tnorders.opentact.model.OrderRequest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CsvChunkerTest {

    private final CsvRequestReader reader = new CsvRequestReader(new RequestValidator());
    private final AtomicLong clock = new AtomicLong(1_000_000_000L);

    /** {@code good} valid rows, and every {@code badEvery}-th row (by position) invalid. */
    private static String file(int rows, int badEvery) {
        StringBuilder b = new StringBuilder("tn,features\n");
        for (int i = 1; i <= rows; i++) {
            b.append(i % badEvery == 0 ? "12345" : String.format("+1 312 2%02d %04d", i / 10_000, i % 10_000))
                    .append(",voice\n");
        }
        return b.toString();
    }

    private CsvChunker chunker(String content, int chunkSize, long everyRows, long everyMs) {
        return new CsvChunker(reader.read(new ByteArrayInputStream(content.getBytes(StandardCharsets.UTF_8)), "f.csv",
                "c0ffee", "now"), "f.csv", chunkSize, everyRows, everyMs, clock::get);
    }

    private static List<CsvChunk> all(CsvChunker chunker) {
        List<CsvChunk> out = new ArrayList<>();
        for (int i = 0; i < 10_000 && chunker.hasNext(); i++) {
            out.add(chunker.next());
        }
        assertThat(chunker.hasNext()).isFalse();
        return out;
    }

    @Test
    void everyRowLandsInExactlyOneChunkInFileOrder() {
        List<CsvChunk> chunks = all(chunker(file(1234, 10), 100, 1_000_000, 1_000_000));
        assertThat(chunks).hasSize(13);
        assertThat(chunks).allSatisfy(c -> assertThat(c.accepted().size() + c.rejected().size()).isLessThanOrEqualTo(100));
        List<Long> lines = new ArrayList<>();
        chunks.forEach(c -> c.accepted().forEach(r -> lines.add(r.source().line())));
        assertThat(lines).hasSize(1234 - 123).doesNotHaveDuplicates().isSorted();
        List<Long> badLines = chunks.stream().flatMap(c -> c.rejected().stream()).map(CsvItem.Rejected::line).toList();
        assertThat(badLines).hasSize(123).allSatisfy(l -> assertThat((l - 1) % 10).isZero());
        CsvChunk last = chunks.get(chunks.size() - 1);
        assertThat(last.last()).isTrue();
        assertThat(chunks.subList(0, chunks.size() - 1)).noneMatch(CsvChunk::last);
        assertThat(last.rowsDone()).isEqualTo(1234);
        assertThat(last.requestsSoFar()).isEqualTo(1111);
        assertThat(last.rejectsSoFar()).isEqualTo(123);
    }

    @Test
    void requestIdGroupsComeAtTheEndAsOneRequest() {
        String content = "tn,request_id\n+13122000001,A\n+13122000002,\n+13122000003,A\n";
        List<CsvChunk> chunks = all(chunker(content, 1, 1_000_000, 1_000_000));
        List<OrderRequest> requests = chunks.stream().flatMap(c -> c.accepted().stream()).toList();
        assertThat(requests).extracting(OrderRequest::requestId).containsExactly("csv-c0ffee-3", "A");
        assertThat(requests.get(1).tns()).containsExactly("+13122000001", "+13122000003");
        assertThat(chunks.get(chunks.size() - 1).rowsDone()).isEqualTo(3);
    }

    @Test
    void aHeaderOnlyFileStillHasOneEmptyLastChunk() {
        List<CsvChunk> chunks = all(chunker("tn\n", 500, 10, 10));
        assertThat(chunks).singleElement().satisfies(c -> {
            assertThat(c.last()).isTrue();
            assertThat(c.hasRequests()).isFalse();
            assertThat(c.hasRejects()).isFalse();
            assertThat(c.progressDue()).isFalse();
            assertThat(c.rowsDone()).isZero();
        });
    }

    @Test
    void progressIsDueEveryNRows() {
        List<CsvChunk> chunks = all(chunker(file(1000, 1000), 100, 250, 1_000_000));
        // Due at 300, 600, 900 rows (the first chunk boundary at or past each 250 since the last line);
        // not on the last chunk, which gets the summary instead.
        assertThat(chunks.stream().filter(CsvChunk::progressDue).map(CsvChunk::rowsDone)).containsExactly(300L, 600L, 900L);
    }

    @Test
    void progressIsDueAfterTheIntervalEvenWithFewRows() {
        CsvChunker chunker = chunker(file(50, 1000), 10, 1_000_000, 2_000);
        assertThat(chunker.next().progressDue()).isFalse();
        clock.addAndGet(2_000_000_000L);
        assertThat(chunker.next().progressDue()).isTrue();
        assertThat(chunker.next().progressDue()).isFalse();
    }

    @Test
    void hugeBadRowsCloseAChunkEarly() {
        String huge = "9".repeat(1_000_000);
        StringBuilder b = new StringBuilder("tn\n");
        for (int i = 0; i < 10; i++) {
            b.append(huge).append('\n');
        }
        List<CsvChunk> chunks = all(chunker(b.toString(), 500, 1_000_000, 1_000_000));
        // 4 MiB of bad rows per chunk at most: five 1 MB rows, then a new chunk.
        assertThat(chunks).extracting(c -> c.rejected().size()).containsExactly(5, 5);
        assertThat(chunks.get(chunks.size() - 1).rejectsSoFar()).isEqualTo(10);
    }

    @Test
    void linesSayRowsRateAndRejects() {
        CsvChunk chunk = new CsvChunk("f.csv", List.of(), List.of(), 20_000, 19_990, 10, 0, true, false, List.of());
        assertThat(chunk.progressLine(2_000_000_000L))
                .isEqualTo("Order file f.csv: 20000 rows done, 10000 rows/s, 10 rejected so far");
        assertThat(chunk.summaryLine(4_000_000_000L)).isEqualTo("Order file f.csv handed on: 20000 rows, 19990 requests "
                + "on the requests topic, 10 rows rejected (rejects file and DLQ), in 4.0 s (5000 rows/s)");
    }

    @Test
    void theSummaryLineNamesTheUnrecognisedColumns() {
        List<CsvChunk> chunks = all(chunker("tn,Colour,Auto-Renew,Notes\n+13122000001,red,no,x\n", 100, 1_000_000,
                1_000_000));
        CsvChunk last = chunks.get(chunks.size() - 1);
        assertThat(last.unrecognisedColumns()).containsExactly("'Colour'", "'Notes'");
        assertThat(last.summaryLine(clock.get() + 1_000_000_000L)).isEqualTo("Order file f.csv handed on: 1 rows, "
                + "1 requests on the requests topic, 0 rows rejected (rejects file and DLQ), in 1.0 s (1 rows/s); "
                + "columns not recognised (ignored): 'Colour', 'Notes'");
    }

    @Test
    void aChunkSizeBelowOneIsRefused() {
        assertThatThrownBy(() -> new CsvIntake(new RequestValidator(), 0, 10, 10))
                .hasMessageContaining("opentact.inbox.chunk-size");
    }
}
