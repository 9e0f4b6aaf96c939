package dev.tnorders.opentact.intake;

import org.junit.jupiter.api.Test;

import dev.tnorders.opentact.config.HostInstanceId;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ClaimRulesTest {

    private static final long MS = 1_000_000L;

    @Test
    void aCsvFileIsClaimableOnceUnchangedForTheQuietTime() {
        assertThat(ClaimRules.claimable("a.csv", true, 10_000, 12_000, 2000)).isTrue();
        assertThat(ClaimRules.claimable("a.csv", true, 10_001, 12_000, 2000)).as("still being written").isFalse();
        assertThat(ClaimRules.claimable("A.CSV", true, 0, 5000, 2000)).isTrue();
        assertThat(ClaimRules.claimable("a.csv", false, 0, 5000, 2000)).as("a folder").isFalse();
    }

    @Test
    void onlyVisibleCsvNamesCamelCanReadAreOrderFiles() {
        assertThat(ClaimRules.isOrderFileName("orders.csv")).isTrue();
        assertThat(ClaimRules.isOrderFileName("orders.CSV")).isTrue();
        assertThat(ClaimRules.isOrderFileName("orders.Csv")).as("as antInclude *.csv,*.CSV always was").isFalse();
        assertThat(ClaimRules.isOrderFileName(".orders.csv")).as("hidden").isFalse();
        assertThat(ClaimRules.isOrderFileName("orders.csv.part")).isFalse();
        assertThat(ClaimRules.isOrderFileName("a\\b.csv")).as("renamed first by InboxNames").isFalse();
        assertThat(ClaimRules.isOrderFileName(".csv")).isFalse();
        assertThat(ClaimRules.isOrderFileName(null)).isFalse();
    }

    @Test
    void anInstanceHoldsAtMostMaxFiles() {
        assertThat(ClaimRules.freeSlots(2, 0)).isEqualTo(2);
        assertThat(ClaimRules.freeSlots(2, 1)).isEqualTo(1);
        assertThat(ClaimRules.freeSlots(2, 5)).isZero();
    }

    @Test
    void anInstanceIdIsOneFolderName() {
        assertThat(ClaimRules.checkedInstanceId("app-1.eu_west")).isEqualTo("app-1.eu_west");
        for (String bad : new String[] {"", ".hidden", "a/b", "..", "a b", "a\\b"}) {
            assertThatThrownBy(() -> ClaimRules.checkedInstanceId(bad)).as(bad)
                    .hasMessageContaining("opentact.inbox.instance-id");
        }
        assertThat(HostInstanceId.of("host.example.com")).isEqualTo("host.example.com");
        assertThat(HostInstanceId.of(".odd host:1")).isEqualTo("_odd_host_1");
        assertThat(HostInstanceId.of(null)).isEqualTo("localhost");
    }

    @Test
    void anOwnerIsGoneOnlyOnceItsHeartbeatStayedTheSameForTheTimeout() {
        ClaimRules.OwnerWatch watch = new ClaimRules.OwnerWatch(1000);
        assertThat(watch.gone("a", "t 1", 0)).as("first seen: the wait starts").isFalse();
        assertThat(watch.gone("a", "t 1", 999 * MS)).isFalse();
        assertThat(watch.gone("a", "t 2", 1500 * MS)).as("it beat: the wait starts again").isFalse();
        assertThat(watch.gone("a", "t 2", 2499 * MS)).isFalse();
        assertThat(watch.gone("a", "t 2", 2500 * MS)).isTrue();
        assertThat(watch.gone("a", "t 3", 2600 * MS)).as("back: not gone").isFalse();
    }

    @Test
    void aFolderWithoutHeartbeatIsGoneAfterTheTimeoutToo() {
        ClaimRules.OwnerWatch watch = new ClaimRules.OwnerWatch(1000);
        assertThat(watch.gone("a", null, 0)).isFalse();
        assertThat(watch.gone("a", null, 1000 * MS)).isTrue();
        watch.forget("a");
        assertThat(watch.gone("a", null, 1001 * MS)).as("forgotten: seen anew").isFalse();
    }

    @Test
    void aTimeWrittenByAnotherHostIsNeverReadSoSkewedClocksDoNotMatter() {
        // The heartbeat's content is compared for change only: a "time" far in the past is not older.
        ClaimRules.OwnerWatch watch = new ClaimRules.OwnerWatch(1000);
        assertThat(watch.gone("a", "1970-01-01T00:00:00Z", 5 * MS)).isFalse();
    }
}
