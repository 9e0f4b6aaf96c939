package dev.tnorders.opentact.files;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The terminal view rendered from a recorded sequence of file-state and files records. */
class FilesScreenTest {

    private static final String STATE = "opentact.order.file-state";
    private static final String FILES = "opentact.order.files";
    private static final long HOUR = 3_600_000;
    private static final Instant T0 = Instant.parse("2026-12-06T10:00:00.000Z");
    private static final String BIG = FileIds.of("big.csv", "2026-12-06T10:00:00.000Z");
    private static final String BAD = FileIds.of("bad.csv", "2026-12-06T10:00:05.000Z");

    private final ObjectMapper json = FileJson.mapper();
    private final List<FilesScreen.Seen> records = new ArrayList<>();

    private void at(long secondsAfterT0, String topic, String key, Object value) throws Exception {
        records.add(new FilesScreen.Seen(T0.toEpochMilli() + secondsAfterT0 * 1000, topic, key,
                value == null ? null : json.writeValueAsString(value)));
    }

    private static FileRead big(long rowsRead, long requests, boolean handedOn) {
        return new FileRead(BIG, "big.csv", "2026-12-06T10:00:00.000Z", 1000, rowsRead, requests, 10, handedOn, null,
                "x");
    }

    private static FileTally bigTally(long done, long ordered) {
        return new FileTally(BIG, done, ordered, done - ordered, 0, 0, ordered + ".00", "0", 0, false, null);
    }

    private String screen(long secondsAfterT0) {
        return FilesScreen.render(records, STATE, FILES, HOUR, 7 * 24 * HOUR, T0.plusSeconds(secondsAfterT0));
    }

    @Test
    void showsEachFileInProgressWithItsBarCountsAndTimeLeftThenItsEnd() throws Exception {
        assertThat(screen(0)).isEqualTo("""
                Order files at 10:00:00 UTC: 0 in progress, 0 ended in the last 1 h 0 min

                No file in progress. Drop a CSV file into the inbox folder.
                """);

        at(0, STATE, FileIds.READ + BIG, big(0, 0, false));
        at(1, STATE, FileIds.READ + BIG, big(500, 495, false));
        at(2, STATE, FileIds.TALLY + BIG, bigTally(100, 100));
        at(5, STATE, FileIds.READ + BAD, new FileRead(BAD, "bad.csv", "2026-12-06T10:00:05.000Z", 3, 3, 0, 3, true,
                null, "x"));
        at(12, STATE, FileIds.TALLY + BIG, bigTally(300, 299));
        // while read: 495 requests of 500 rows scale to 990 for 1000 rows; 300 of 990 done at 20/s
        assertThat(screen(12)).isEqualTo("""
                Order files at 10:00:12 UTC: 2 in progress, 0 ended in the last 1 h 0 min

                big.csv  READING  taken 10:00:00, 12 s ago
                  [############............................]  30%  300 of 495+ requests with an outcome
                  rows 500 of 1,000 read (10 rejected)   numbers 299 ordered, 1 failed, 0 rejected, 0 unknown
                  time left: about 35 s

                bad.csv  ORDERING  taken 10:00:05, 7.0 s ago
                  [........................................]   0%  0 of 0 requests with an outcome
                  rows 3 of 3 read (3 rejected)   numbers 0 ordered, 0 failed, 0 rejected, 0 unknown
                  time left: not known yet
                """);

        // no outcome for longer than the estimate: it is not repeated
        assertThat(screen(50)).contains("time left: not known (the last outcome came 38 s ago)");

        // bad.csv ends (every row rejected), big.csv is handed on and ends later
        at(13, STATE, FileIds.TALLY + BAD, FileTally.empty(BAD).endedAt("2026-12-06T10:00:13.000Z"));
        at(13, FILES, BAD, new FileEnd(BAD, "bad.csv", "2026-12-06T10:00:05.000Z", "2026-12-06T10:00:13.000Z", 3, 0,
                0, 0, 0, 0, 3, "0", "0", 0, null, "outbox/bad.csv.rejects.csv", null));
        at(14, STATE, FileIds.READ + BIG, big(1000, 990, true));
        at(40, STATE, FileIds.TALLY + BIG, new FileTally(BIG, 990, 985, 5, 0, 0, "985.00", "492.50", 0, true,
                "2026-12-06T10:00:40.000Z"));
        at(40, FILES, BIG, new FileEnd(BIG, "big.csv", "2026-12-06T10:00:00.000Z", "2026-12-06T10:00:40.000Z", 1000,
                990, 985, 5, 0, 0, 10, "985.00", "492.50", 0, "outbox/big.csv.results.csv",
                "outbox/big.csv.rejects.csv", null));
        assertThat(screen(41)).isEqualTo("""
                Order files at 10:00:41 UTC: 0 in progress, 2 ended in the last 1 h 0 min

                big.csv  ENDED  taken 10:00:00, done in 40 s
                  [########################################] 100%  990 of 990 requests with an outcome
                  rows 1,000 (10 rejected)   numbers 985 ordered, 5 failed, 0 rejected, 0 unknown
                  bought 985.00 one-time, 492.50 monthly
                  results outbox/big.csv.results.csv
                  rejects outbox/big.csv.rejects.csv

                bad.csv  ENDED  taken 10:00:05, done in 8.0 s
                  [########################################] 100%  0 of 0 requests with an outcome
                  rows 3 (3 rejected)   numbers 0 ordered, 0 failed, 0 rejected, 0 unknown
                  bought 0 one-time, 0 monthly
                  rejects outbox/bad.csv.rejects.csv
                """);

        // an hour after its end a file is no longer shown
        assertThat(screen(3700)).startsWith("Order files at 11:01:40 UTC: 0 in progress, 0 ended");
    }

    @Test
    void recordsItCannotReadAreNotShown() {
        records.add(new FilesScreen.Seen(0, STATE, FileIds.READ + "x", "not json"));
        records.add(new FilesScreen.Seen(0, "other", "k", "{}"));
        records.add(new FilesScreen.Seen(0, STATE, null, "{}"));
        assertThat(screen(0)).contains("0 in progress, 0 ended");
    }

    @Test
    void barIsFilledInFortieths() {
        assertThat(FilesScreen.bar(0)).isEqualTo("[" + ".".repeat(40) + "]");
        assertThat(FilesScreen.bar(0.5)).isEqualTo("[" + "#".repeat(20) + ".".repeat(20) + "]");
        assertThat(FilesScreen.bar(2)).isEqualTo("[" + "#".repeat(40) + "]");
    }

    @Test
    void aFileOfTheSameContentAsOneInProgressSaysItRepeatsIt() throws Exception {
        String first = FileIds.of("orders.csv", "2026-12-06T10:00:00.000Z");
        String again = FileIds.of("orders.csv", "2026-12-06T10:00:20.000Z");
        at(0, STATE, FileIds.READ + first, new FileRead(first, "orders.csv", "2026-12-06T10:00:00.000Z", 5, 5, 4, 1,
                true, null, "x", "4dafeb8d52f788fa"));
        at(20, STATE, FileIds.READ + again, new FileRead(again, "orders.csv", "2026-12-06T10:00:20.000Z", 5, 5, 4, 1,
                true, null, "x", "4dafeb8d52f788fa"));
        assertThat(screen(21)).contains("""
                orders.csv  ORDERING  taken 10:00:20, 1.0 s ago
                  [........................................]   0%  0 of 4 requests with an outcome
                  rows 5 of 5 read (1 rejected)   numbers 0 ordered, 0 failed, 0 rejected, 0 unknown
                  repeats orders.csv taken 10:00:00 (the same content): its requests are ordered there, not again; \
                it ends with it
                  time left: not known yet
                """);
        at(30, FILES, again, new FileEnd(again, "orders.csv", "2026-12-06T10:00:20.000Z", "2026-12-06T10:00:30.000Z", 5,
                4, 0, 0, 0, 0, 1, "0", "0", 0, null, "outbox/orders.csv.rejects.csv", null, first, 4));
        assertThat(screen(31)).contains("""
                orders.csv  ENDED  taken 10:00:20, done in 10 s
                  [########################################] 100%  4 of 4 requests done, 4 of them in the drop it repeats
                  repeats orders.csv@2026-12-06T10:00:00.000Z (the same content): ordered there, not again
                  rows 5 (1 rejected)   numbers 0 ordered, 0 failed, 0 rejected, 0 unknown
                """);
    }
}
