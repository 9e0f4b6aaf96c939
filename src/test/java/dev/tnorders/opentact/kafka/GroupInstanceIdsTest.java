package dev.tnorders.opentact.kafka;

import java.io.IOException;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class GroupInstanceIdsTest {

    @TempDir
    Path dir;

    @Test
    void unsetDerivesNoneTurnsOffAnythingElseIsTheId() {
        assertThat(GroupInstanceIds.modeOf(null)).isEqualTo(GroupInstanceIds.Mode.DERIVED);
        assertThat(GroupInstanceIds.modeOf("  ")).isEqualTo(GroupInstanceIds.Mode.DERIVED);
        assertThat(GroupInstanceIds.modeOf("none")).isEqualTo(GroupInstanceIds.Mode.NONE);
        assertThat(GroupInstanceIds.modeOf("NONE")).isEqualTo(GroupInstanceIds.Mode.NONE);
        assertThat(GroupInstanceIds.modeOf("orders-0")).isEqualTo(GroupInstanceIds.Mode.EXPLICIT);
        assertThat(GroupInstanceIds.checked(" orders-0 ")).isEqualTo("orders-0");
        assertThatThrownBy(() -> GroupInstanceIds.checked("pod/1")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(GroupInstanceIds.KEY);
        assertThatThrownBy(() -> GroupInstanceIds.checked("x".repeat(201))).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aDerivedIdIsTheHostAndTheSlotAndEachConsumerHasItsOwn() {
        assertThat(GroupInstanceIds.derived("web-1.example.com", 0)).isEqualTo("web-1.example.com-0");
        assertThat(GroupInstanceIds.derived("odd host:1", 2)).isEqualTo("odd_host_1-2");
        assertThat(GroupInstanceIds.derived(null, 0)).isEqualTo("localhost-0");
        assertThat(GroupInstanceIds.derived("h".repeat(300), 63)).hasSize(203).matches("[A-Za-z0-9._-]+");
        assertThat(GroupInstanceIds.member("app0", 1)).isEqualTo("app0-1");
        // Two slots of one host, and their consumers, never share an id.
        assertThat(GroupInstanceIds.member(GroupInstanceIds.derived("h", 0), 1))
                .isNotEqualTo(GroupInstanceIds.member(GroupInstanceIds.derived("h", 1), 0));
    }

    @Test
    void aSecondProcessOfTheGroupTakesTheNextSlotAndAStoppedOnesSlotIsFreeAgain() throws Exception {
        try (InstanceSlot first = InstanceSlot.take(dir, "orders", 4);
             InstanceSlot second = InstanceSlot.take(dir, "orders", 4);
             InstanceSlot otherGroup = InstanceSlot.take(dir, "other", 4)) {
            assertThat(first.slot()).isZero();
            assertThat(second.slot()).isEqualTo(1);
            assertThat(otherGroup.slot()).as("another group's slots are its own").isZero();
            first.close();
            try (InstanceSlot again = InstanceSlot.take(dir, "orders", 4)) {
                assertThat(again.slot()).as("the slot of a stopped (or killed) process").isZero();
            }
        }
    }

    @Test
    void everySlotHeldIsAnError() throws Exception {
        try (InstanceSlot only = InstanceSlot.take(dir, "orders", 1)) {
            assertThat(only.slot()).isZero();
            assertThatThrownBy(() -> InstanceSlot.take(dir, "orders", 1)).isInstanceOf(IOException.class)
                    .hasMessageContaining("all 1 slots");
        }
    }

    @Test
    void groupIdsThatLookAlikeAsFileNamesHaveLockFilesOfTheirOwn() {
        assertThat(InstanceSlot.fileName("a/b")).isNotEqualTo(InstanceSlot.fileName("a_b"));
        assertThat(InstanceSlot.fileName("orders")).startsWith("orders-");
    }
}
