package dev.tnorders.opentact.intake;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.tnorders.opentact.model.NumberResult;
import dev.tnorders.opentact.model.RequestSource;

import static org.assertj.core.api.Assertions.assertThat;

class CsvOutboxTest {

    @TempDir
    Path dir;

    @Test
    void rejectsKeepTheRowAndAddTheReasonWithFormulasNeutralised() throws Exception {
        CsvOutbox outbox = new CsvOutbox(dir.toString());
        outbox.reject(new CsvItem.Rejected("in.csv", 2, List.of("tn", "features"), List.of("=cmd|' /C calc'!A0", "voice"),
                "field 'tn': bad"));
        outbox.reject(new CsvItem.Rejected("in.csv", 3, List.of("tn", "features"), List.of("+12029822917", "@x"), "r2"));
        assertThat(Files.readAllLines(dir.resolve("in.csv.rejects.csv"))).containsExactly(
                "tn,features,reject_reason", "'=cmd|' /C calc'!A0,voice,field 'tn': bad", "+12029822917,'@x,r2");
    }

    @Test
    void aChunkOfRejectsIsAppendedAfterEarlierOnesWithOneHeader() throws Exception {
        CsvOutbox outbox = new CsvOutbox(dir.toString());
        List<String> header = List.of("tn");
        outbox.rejectAll(List.of(new CsvItem.Rejected("in.csv", 2, header, List.of("1"), "r1"),
                new CsvItem.Rejected("in.csv", 3, header, List.of("2"), "r2")));
        outbox.rejectAll(List.of());
        outbox.rejectAll(List.of(new CsvItem.Rejected("in.csv", 5, header, List.of("3"), "r3")));
        assertThat(Files.readAllLines(dir.resolve("in.csv.rejects.csv")))
                .containsExactly("tn,reject_reason", "1,r1", "2,r2", "3,r3");
    }

    @Test
    void resultsOnlyForFileRequestsAndNamesCannotEscapeTheOutbox() throws Exception {
        CsvOutbox outbox = new CsvOutbox(dir.toString());
        outbox.result(new NumberResult("r1", "+12029822917", NumberResult.State.ordered, null, "u1", "1.00", "0.50",
                RequestSource.ofFile("../../etc/passwd", 2)));
        outbox.result(new NumberResult("r2", "+12029822917", NumberResult.State.ordered, null, "u1", "1.00", "0.50",
                RequestSource.ofTopic("t", 0, 1)));
        assertThat(Files.readAllLines(dir.resolve("passwd.results.csv"))).containsExactly(
                "request_id,line,tn,state,reason,order_uuid,nrc,mrc", "r1,2,+12029822917,ordered,,u1,1.00,0.50");
        try (var files = Files.list(dir)) {
            assertThat(files).hasSize(1);
        }
    }

    @Test
    void neutralisesOnlyWhatASpreadsheetWouldRun() {
        assertThat(CsvOutbox.neutralise("+12029822917")).isEqualTo("+12029822917");
        assertThat(CsvOutbox.neutralise("-1.50")).isEqualTo("-1.50");
        assertThat(CsvOutbox.neutralise("+SUM(A1)")).isEqualTo("'+SUM(A1)");
        assertThat(CsvOutbox.neutralise("\tx")).isEqualTo("'\tx");
        assertThat(CsvOutbox.neutralise("plain")).isEqualTo("plain");
        // Everything a spreadsheet would run: = @ tab CR, and + - not followed by a plain number.
        assertThat(CsvOutbox.neutralise("=1+1")).isEqualTo("'=1+1");
        assertThat(CsvOutbox.neutralise("@SUM(A1)")).isEqualTo("'@SUM(A1)");
        assertThat(CsvOutbox.neutralise("\r=1")).isEqualTo("'\r=1");
        assertThat(CsvOutbox.neutralise("-2+3+cmd|' /C calc'!A0")).isEqualTo("'-2+3+cmd|' /C calc'!A0");
        assertThat(CsvOutbox.neutralise("+1 202 982 2917")).isEqualTo("'+1 202 982 2917");
        assertThat(CsvOutbox.neutralise("+")).isEqualTo("'+");
        assertThat(CsvOutbox.neutralise("-")).isEqualTo("'-");
        assertThat(CsvOutbox.neutralise("-1e5")).isEqualTo("'-1e5");
        // Plain numbers and text stay as they are.
        assertThat(CsvOutbox.neutralise("+12025550143")).isEqualTo("+12025550143");
        assertThat(CsvOutbox.neutralise("-0.50")).isEqualTo("-0.50");
        assertThat(CsvOutbox.neutralise("1.50")).isEqualTo("1.50");
        assertThat(CsvOutbox.neutralise("a=b")).isEqualTo("a=b");
        assertThat(CsvOutbox.neutralise("")).isEmpty();
    }
}
