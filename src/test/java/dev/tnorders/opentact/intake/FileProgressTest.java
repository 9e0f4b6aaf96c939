package dev.tnorders.opentact.intake;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.tnorders.opentact.model.OrderRequest;

import static org.assertj.core.api.Assertions.assertThat;

class FileProgressTest {

    @TempDir
    Path dir;

    @Test
    void theSavedFormReadsBackAndAnythingElseIsNoProgress() {
        FileProgress p = new FileProgress("(dev=fd01,ino=42)", "c0ffee", 1500, 4096, "2026-12-01T10:00:00.000Z");
        assertThat(FileProgress.parse(p.format())).isEqualTo(p);
        assertThat(FileProgress.parse(null)).isNull();
        assertThat(FileProgress.parse("")).isNull();
        assertThat(FileProgress.parse("file-key=k\ncontent-id=c\nitems=1")).as("cut short").isNull();
        assertThat(FileProgress.parse("file-key=k\ncontent-id=c\nitems=x\nrejects-bytes=0\nreceived-at=t")).isNull();
        assertThat(FileProgress.parse("file-key=k\ncontent-id=c\nitems=1\nrejects-bytes=0")).as("no time").isNull();
    }

    @Test
    void onlyTheSameFileWithTheSameContentGoesOn() {
        FileProgress saved = new FileProgress("k", "c", 10, 99, "t0");
        assertThat(FileProgress.resumeFrom(saved, "k", "c")).isEqualTo(saved);
        assertThat(FileProgress.resumeFrom(saved, "other", "c")).as("a new file of that name").isNull();
        assertThat(FileProgress.resumeFrom(saved, "k", "changed")).isNull();
        assertThat(FileProgress.resumeFrom(new FileProgress("k", "c", 0, 0, "t0"), "k", "c")).isNull();
        assertThat(FileProgress.resumeFrom(null, "k", "c")).isNull();
    }

    @Test
    void theProgressFileIsHiddenBesideItsOrderFile() {
        assertThat(FileProgress.sidecarName("a.csv")).isEqualTo(".a.csv.progress");
        assertThat(FileProgress.fileOf(".a.csv.progress")).isEqualTo("a.csv");
        assertThat(FileProgress.fileOf(".heartbeat")).isNull();
        assertThat(FileProgress.fileOf("a.csv")).isNull();
        assertThat(ClaimRules.isOrderFileName(FileProgress.sidecarName("a.csv"))).isFalse();
    }

    /**
     * A file read again after its reader died goes on after the chunks already handed on: those
     * are not sent again, and the rejects file loses the bad rows of the chunk that was in flight.
     */
    @Test
    void aFileReadAgainAfterACrashGoesOnFromItsLastHandedOnChunk() throws Exception {
        StringBuilder csv = new StringBuilder("tn,features\n");
        for (int i = 1; i <= 30; i++) {
            csv.append(i % 5 == 0 ? "bad-" + i : String.format("+1312200%04d", i)).append(",voice\n");
        }
        Path file = dir.resolve("claimed").resolve("f.csv");
        Files.createDirectories(file.getParent());
        Files.writeString(file, csv, StandardCharsets.UTF_8);
        CsvOutbox outbox = new CsvOutbox(dir.resolve("outbox").toString());
        CsvIntake intake = new CsvIntake(new RequestValidator(), 10, 1_000_000, 1_000_000, outbox);

        // First reader: hands on two chunks, writes the third one's bad rows, then is killed.
        List<Long> firstLines = new ArrayList<>();
        try (CsvChunker chunks = intake.chunks(file.toFile(), "f.csv", "2026-12-01T10:00:00.000Z")) {
            for (int i = 0; i < 3; i++) {
                CsvChunk c = chunks.next();
                outbox.rejectAll(c.rejected());
                if (i < 2) {
                    c.accepted().forEach(r -> firstLines.add(r.source().line()));
                    intake.report(c);
                }
            }
        }
        assertThat(Files.readAllLines(dir.resolve("outbox/f.csv.rejects.csv"))).hasSize(1 + 6);
        assertThat(dir.resolve("claimed/.f.csv.progress")).exists();

        // Read again (the same file, say taken over with its progress): only the rest is handed on.
        List<Long> againLines = new ArrayList<>();
        CsvChunk last = null;
        try (CsvChunker chunks = new CsvIntake(new RequestValidator(), 10, 1_000_000, 1_000_000, outbox)
                .chunks(file.toFile(), "f.csv", "2026-12-01T10:05:00.000Z")) {
            for (int i = 0; i < 10 && chunks.hasNext(); i++) {
                last = chunks.next();
                outbox.rejectAll(last.rejected());
                last.accepted().stream().map(OrderRequest::source).forEach(s -> againLines.add(s.line()));
                assertThat(last.accepted()).as("the file's first read time: its outcomes and its one file budget")
                        .allSatisfy(r -> assertThat(r.receivedAt()).isEqualTo("2026-12-01T10:00:00.000Z"));
            }
        }
        assertThat(firstLines).hasSize(16);
        assertThat(againLines).hasSize(24 - 16).allSatisfy(l -> assertThat(l).isGreaterThan(21));
        assertThat(last.requestsSoFar()).isEqualTo(24);
        assertThat(last.rejectsSoFar()).isEqualTo(6);
        List<String> rejects = Files.readAllLines(dir.resolve("outbox/f.csv.rejects.csv"));
        assertThat(rejects).hasSize(1 + 6).doesNotHaveDuplicates();
        assertThat(rejects.get(0)).isEqualTo("tn,features,reject_reason");
    }

    @Test
    void aRejectsFileCutBackToNothingGetsItsHeaderAgain() throws Exception {
        CsvOutbox outbox = new CsvOutbox(dir.toString());
        CsvItem.Rejected bad = new CsvItem.Rejected("g.csv", 2, List.of("tn"), List.of("x"), "no");
        outbox.rejectAll(List.of(bad));
        outbox.truncateRejects("g.csv", 0);
        assertThat(outbox.rejectsSize("g.csv")).isZero();
        outbox.rejectAll(List.of(bad));
        assertThat(Files.readAllLines(dir.resolve("g.csv.rejects.csv"))).containsExactly("tn,reject_reason", "x,no");
    }
}
