package dev.tnorders.opentact.files;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.api.Test;

import dev.tnorders.opentact.model.Outcome;
import dev.tnorders.opentact.model.Price;
import dev.tnorders.opentact.model.RequestSource;

import static org.assertj.core.api.Assertions.assertThat;

class FileEndRulesTest {

    private static final String TAKEN = "2026-12-06T10:00:00.000Z";
    private static final String ID = FileIds.of("orders.csv", TAKEN);

    private static Outcome outcome(Outcome.State state, int requested, int ordered, int failed, Price price) {
        return new Outcome("r", state, null, requested, ordered, failed, price, null, RequestSource.ofFile("orders.csv", 2),
                TAKEN, "2026-12-06T10:01:00.000Z");
    }

    private static FileRead read(long requests, boolean handedOn) {
        return new FileRead(ID, "orders.csv", TAKEN, 10, handedOn ? 10 : 5, requests, 2, handedOn, null, TAKEN);
    }

    @Test
    void countsNumbersPerStateAndWhatWasBought() {
        FileTally t = FileTally.empty(ID)
                .plus(outcome(Outcome.State.completed, 2, 2, 0, Price.of(new BigDecimal("1.50"),
                        new BigDecimal("0.75"))))
                .plus(outcome(Outcome.State.partial, 3, 1, 1, Price.of(new BigDecimal("0.10"),
                        new BigDecimal("0.20"))))
                .plus(outcome(Outcome.State.rejected, 4, 0, 0, Price.of(new BigDecimal("9.00"),
                        new BigDecimal("9.00"))))
                .plus(outcome(Outcome.State.unknown, 2, 0, 0, null))
                .plus(outcome(Outcome.State.failed, 2, 0, 1, null))
                .plus(outcome(Outcome.State.partial, 2, 1, 0, null));
        assertThat(t.requests()).isEqualTo(6);
        assertThat(t.ordered()).isEqualTo(4);
        assertThat(t.failed()).isEqualTo(1 + 2);      // the partial's one, the failed outcome's two
        assertThat(t.rejected()).isEqualTo(4);
        assertThat(t.unknown()).isEqualTo(1 + 2 + 1); // partial's rest, unknown's two, the last partial's rest
        // A rejected outcome's quote is not bought; an outcome that ordered without a price is counted apart.
        assertThat(t.boughtNrc()).isEqualTo("1.60");
        assertThat(t.boughtMrc()).isEqualTo("0.95");
        assertThat(t.pricesUnknown()).isEqualTo(1);
    }

    @Test
    void aFileEndsOnceHandedOnAndEveryRequestHasItsOutcome() {
        FileTally one = FileTally.empty(ID).plus(outcome(Outcome.State.completed, 1, 1, 0, null));
        FileTally two = one.plus(outcome(Outcome.State.completed, 1, 1, 0, null));
        assertThat(FileEndRules.ended(null, two)).as("no manifest yet").isFalse();
        assertThat(FileEndRules.ended(read(2, false), two)).as("still being read").isFalse();
        assertThat(FileEndRules.ended(read(2, true), one)).as("an outcome missing").isFalse();
        assertThat(FileEndRules.ended(read(2, true), two)).isTrue();
        assertThat(FileEndRules.ended(read(2, true), two.endedAt(TAKEN))).as("never twice").isFalse();
    }

    @Test
    void aFileWhoseEveryRowWasRejectedEndsWhenHandedOn() {
        assertThat(FileEndRules.ended(read(0, true), null)).isTrue();
        FileEnd end = FileEndRules.end(read(0, true), null, "2026-12-06T10:00:01.500Z", "/o/orders.csv.results.csv",
                "/o/orders.csv.rejects.csv");
        assertThat(end.requests()).isZero();
        assertThat(end.rowsRejected()).isEqualTo(2);
        assertThat(end.resultsFile()).as("no results file is written").isNull();
        assertThat(end.rejectsFile()).isEqualTo("/o/orders.csv.rejects.csv");
        assertThat(end.boughtNrc()).isEqualTo("0");
    }

    @Test
    void theEndLineAPersonReads() {
        FileRead read = new FileRead(ID, "orders.csv", TAKEN, 5000, 5000, 4965, 35, true, null, TAKEN);
        FileTally t = new FileTally(ID, 4965, 4950, 12, 3, 0, "1234.50", "99.00", 0, true, null);
        FileEnd end = FileEndRules.end(read, t, "2026-12-06T10:04:12.000Z", "/o/orders.csv.results.csv",
                "/o/orders.csv.rejects.csv");
        assertThat(FileEndRules.line(end)).isEqualTo("orders.csv: done in 4 min 12 s: 4,950 ordered, 12 failed, "
                + "3 rejected, 0 unknown (4,965 requests from 5,000 rows; 35 rows rejected at intake); bought 1234.50 "
                + "one-time, 99.00 monthly; results in /o/orders.csv.results.csv; rejects in /o/orders.csv.rejects.csv");
    }

    @Test
    void durationsAPersonReads() {
        assertThat(FileEndRules.duration(Duration.ofMillis(400))).isEqualTo("0.4 s");
        assertThat(FileEndRules.duration(Duration.ofSeconds(42))).isEqualTo("42 s");
        assertThat(FileEndRules.duration(Duration.ofSeconds(252))).isEqualTo("4 min 12 s");
        assertThat(FileEndRules.duration(Duration.ofMinutes(125))).isEqualTo("2 h 5 min");
    }

    @Test
    void theRecordsAreSnakeCaseJsonWithMoneyAsStringsAndReadBack() throws Exception {
        ObjectMapper json = FileJson.mapper();
        FileTally t = new FileTally(ID, 3, 2, 1, 0, 0, "1.10", "0.30", 0, true, TAKEN);
        String text = json.writeValueAsString(t);
        assertThat(json.readValue(text, FileTally.class)).isEqualTo(t);
        FileRead r = read(3, true);
        assertThat(json.readValue(json.writeValueAsString(r), FileRead.class)).isEqualTo(r);
        FileEnd end = FileEndRules.end(r, t, TAKEN, "a", "b");
        JsonNode node = json.readTree(json.writeValueAsString(end));
        assertThat(node.get("file_id").asText()).isEqualTo(ID);
        assertThat(node.get("bought_nrc").isTextual()).isTrue();
        assertThat(node.get("rows_rejected").asLong()).isEqualTo(2);
        assertThat(node.has("results_file")).isTrue();
    }

    @Test
    void theProgressOfAFileAndItsLine() {
        FileRead reading = new FileRead(ID, "orders.csv", TAKEN, 5000, 2500, 2480, 20, false, null, TAKEN);
        FileTally t = new FileTally(ID, 1200, 1150, 0, 0, 0, "0", "0", 0, false, null);
        FileStatus s = FileStatus.of(reading, t, 80_000);
        assertThat(s.state()).isEqualTo("reading");
        assertThat(s.open()).isTrue();
        assertThat(s.requestsOpen()).isEqualTo(1280);
        assertThat(s.line()).isEqualTo("orders.csv: 2,500 of 5,000 rows read, 1,200 of 2,480 requests handed on with "
                + "an outcome, 1,150 numbers ordered, about 1 min 20 s left");
        assertThat(FileStatus.of(reading, t, -1).line()).endsWith("time left not known yet");
        FileStatus ended = FileStatus.of(read(2, true), t.endedAt(TAKEN), -1);
        assertThat(ended.state()).isEqualTo("ended");
        assertThat(ended.etaSeconds()).isZero();
    }

    // --- the same content dropped again ------------------------------------------------------------

    private static final long WEEK = 7 * 24 * 3_600_000L;

    private static FileRead drop(String file, String takenAt, long requests, String contentId) {
        return new FileRead(FileIds.of(file, takenAt), file, takenAt, 10, 10, requests, 0, true, null, takenAt,
                contentId);
    }

    private static FileTally endedTally(FileRead d, long outcomes, String endedAt) {
        return new FileTally(d.fileId(), outcomes, outcomes, 0, 0, 0, outcomes + ".00", "0", 0, true, endedAt);
    }

    @Test
    void aDropOfTheSameContentRepeatsTheFirstWhileTheJournalRemembersItsRequests() {
        FileRead first = drop("orders.csv", "2026-12-01T10:00:00Z", 4, "aaaa");
        FileRead again = drop("orders-copy.csv", "2026-12-06T10:00:00Z", 4, "aaaa");
        FileRead other = drop("other.csv", "2026-12-02T10:00:00Z", 4, "bbbb");
        FileRead older = drop("legacy.csv", "2026-11-01T10:00:00Z", 4, null);
        List<FileRead> drops = List.of(first, again, other, older);
        Map<String, FileTally> tallies = new HashMap<>();

        assertThat(FileEndRules.repeatOf(again, drops, tallies, WEEK)).as("the first still ordering").isEqualTo(first);
        tallies.put(first.fileId(), endedTally(first, 4, "2026-12-01T10:05:00Z"));
        assertThat(FileEndRules.repeatOf(again, drops, tallies, WEEK)).as("ended 5 days before").isEqualTo(first);
        assertThat(FileEndRules.repeatOf(first, drops, tallies, WEEK)).as("the first repeats none").isNull();
        assertThat(FileEndRules.repeatOf(other, drops, tallies, WEEK)).as("another content").isNull();
        assertThat(FileEndRules.repeatOf(older, drops, tallies, WEEK)).as("no content id (an older reader)").isNull();
        assertThat(FileEndRules.repeatOf(again, drops, tallies, 3 * 24 * 3_600_000L))
                .as("its requests forgotten by the journal: ordered again").isNull();
    }

    @Test
    void aThirdDropRepeatsTheDropItsRequestsAreOrderedIn() {
        long day = 24 * 3_600_000L;
        FileRead one = drop("a.csv", "2026-12-01T10:00:00Z", 2, "cccc");
        FileRead two = drop("b.csv", "2026-12-03T10:00:00Z", 2, "cccc");
        FileRead three = drop("c.csv", "2026-12-10T10:00:00Z", 2, "cccc");
        FileRead four = drop("d.csv", "2026-12-11T10:00:00Z", 2, "cccc");
        List<FileRead> drops = List.of(four, three, two, one);
        Map<String, FileTally> tallies = new HashMap<>();
        tallies.put(one.fileId(), endedTally(one, 2, "2026-12-01T10:01:00Z"));
        tallies.put(two.fileId(), endedTally(two, 0, "2026-12-03T10:01:00Z"));
        tallies.put(three.fileId(), endedTally(three, 2, "2026-12-10T10:01:00Z"));
        assertThat(FileEndRules.repeatOf(two, drops, tallies, 7 * day)).isEqualTo(one);
        // 9 days after the first's end its ids are forgotten: the third is ordered again, the second
        // (a repeat, whose requests were never ordered) does not count
        assertThat(FileEndRules.repeatOf(three, drops, tallies, 7 * day)).isNull();
        assertThat(FileEndRules.repeatOf(four, drops, tallies, 7 * day)).isEqualTo(three);
    }

    @Test
    void aRepeatEndsWithTheDropItRepeatsAndSaysSo() {
        FileRead first = drop("orders.csv", "2026-12-06T10:00:00Z", 4, "aaaa");
        FileRead again = drop("orders.csv", "2026-12-06T10:00:30Z", 4, "aaaa");
        FileTally firstOpen = new FileTally(first.fileId(), 3, 3, 0, 0, 0, "3.00", "0", 0, false, null);
        assertThat(FileEndRules.ended(again, null, first, firstOpen)).as("the first is still ordering").isFalse();
        FileTally firstEnded = firstOpen.plus(outcome(Outcome.State.completed, 1, 1, 0, null))
                .endedAt("2026-12-06T10:01:00Z");
        assertThat(FileEndRules.ended(again, null, first, firstEnded)).isTrue();
        assertThat(FileEndRules.ended(again, null, null, null)).as("without the rule: never").isFalse();
        FileRead reading = new FileRead(again.fileId(), "orders.csv", again.takenAt(), 10, 5, 2, 0, false, null,
                again.takenAt(), "aaaa");
        assertThat(FileEndRules.ended(reading, null, first, firstEnded)).as("still being read").isFalse();

        FileEnd end = FileEndRules.end(again, null, first, "2026-12-06T10:01:00.200Z", "/o/r.csv", "/o/j.csv");
        assertThat(end.repeatOf()).isEqualTo(first.fileId());
        assertThat(end.requestsRepeated()).isEqualTo(4);
        assertThat(end.ordered()).isZero();
        assertThat(end.resultsFile()).as("no results of its own").isNull();
        assertThat(FileEndRules.line(end)).isEqualTo("orders.csv: done in 30 s: 0 ordered, 0 failed, 0 rejected, "
                + "0 unknown (4 requests from 10 rows; 0 rows rejected at intake); bought 0 one-time, 0 monthly; it "
                + "repeats orders.csv@2026-12-06T10:00:00Z (the same content): 4 of its requests were ordered there, "
                + "not again");
    }

    @Test
    void aRepeatOfAFileThatStoppedWaitsForItsOtherRequests() {
        FileRead stopped = new FileRead("f@1", "f.csv", "2026-12-06T10:00:00Z", 10, 4, 3, 0, true, "Kafka away",
                "x", "aaaa");
        FileTally stoppedEnd = endedTally(stopped, 3, "2026-12-06T10:00:20Z");
        FileRead again = drop("f.csv", "2026-12-06T10:05:00Z", 10, "aaaa");
        assertThat(FileEndRules.repeated(again, stopped)).isEqualTo(3);
        FileTally six = FileTally.empty(again.fileId());
        for (int i = 0; i < 6; i++) {
            six = six.plus(outcome(Outcome.State.completed, 1, 1, 0, null));
        }
        assertThat(FileEndRules.ended(again, six, stopped, stoppedEnd)).as("7 of its requests are new").isFalse();
        assertThat(FileEndRules.ended(again, six.plus(outcome(Outcome.State.completed, 1, 1, 0, null)), stopped,
                stoppedEnd)).isTrue();
    }
}
