package dev.tnorders.opentact.intake;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.tnorders.opentact.model.NumberResult;
import dev.tnorders.opentact.model.RequestSource;

import static org.assertj.core.api.Assertions.assertThat;

class ResultLinesTest {

    @TempDir
    Path dir;

    private static NumberResult result(String requestId, String tn, long line) {
        return new NumberResult(requestId, tn, NumberResult.State.ordered, null, "u1", "1.00", "0.50",
                RequestSource.ofFile("f.csv", line));
    }

    @Test
    void aResultReadAgainByTheNextWriterIsNotWrittenTwice() throws Exception {
        // The writer that died: wrote three lines, committed the offsets of none.
        CsvOutbox dead = new CsvOutbox(dir.toString());
        dead.result(result("r1", "+12025550101", 2));
        dead.result(result("r2", "+12025550102", 3));
        dead.result(result("=r3", "+12025550103", 4));
        // The next writer (another process) reads them again, then the rest.
        CsvOutbox next = new CsvOutbox(dir.toString());
        next.result(result("r2", "+12025550102", 3));
        next.result(result("=r3", "+12025550103", 4));
        next.result(result("r4", "+12025550104", 5));
        next.result(result("r4", "+12025550104", 5));
        List<String> lines = Files.readAllLines(dir.resolve("f.csv.results.csv"));
        assertThat(lines).hasSize(5).doesNotHaveDuplicates();
        assertThat(lines.get(0)).startsWith("request_id,");
        assertThat(lines.get(3)).startsWith("'=r3,4,");
        assertThat(lines.get(4)).startsWith("r4,5,");
    }

    @Test
    void theSameNumberInTwoRequestsIsTwoLines() throws Exception {
        CsvOutbox outbox = new CsvOutbox(dir.toString());
        outbox.result(result("r1", "+12025550101", 2));
        outbox.result(result("r2", "+12025550101", 3));
        assertThat(Files.readAllLines(dir.resolve("f.csv.results.csv"))).hasSize(3);
    }

    @Test
    void onlyWholeLinesAtTheEndAreRead() throws Exception {
        StringBuilder big = new StringBuilder("request_id,line,tn,state,reason,order_uuid,nrc,mrc\n");
        for (int i = 0; big.length() < ResultLines.TAIL_BYTES + 1000; i++) {
            big.append("r").append(i).append(",2,+1202555").append(String.format("%04d", i % 10_000))
                    .append(",ordered,\"a, quoted\",u,1.00,0.50\n");
        }
        Path f = dir.resolve("big.results.csv");
        Files.writeString(f, big + "last,9,+12025559999,ordered,,u,1,1\n");
        ResultLines lines = ResultLines.ofTail(f);
        assertThat(lines.add(ResultLines.key("last", "+12025559999"))).isFalse();
        assertThat(lines.add(ResultLines.key("r0", "+12025550000"))).as("before the end read").isTrue();
        assertThat(ResultLines.ofTail(dir.resolve("absent.csv")).add("x")).isTrue();
        assertThat(ResultLines.keysIn("a,1,b\nc,2,d,\"cut")).contains(ResultLines.key("a", "b"));
    }
}
