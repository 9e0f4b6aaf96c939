package dev.tnorders.opentact.client;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Right before the write: a call held up since its turn (a frozen process, a pause of its JVM)
 * gives that turn back and is admitted again (a new turn, its guard again); one written on time
 * leaves on its turn, which then counts as left.
 */
class SendAdmissionTest {

    private final List<String> events = new ArrayList<>();

    /** A turn taken {@code agoMs} before now. */
    private Departing turn(String name, long agoMs) {
        return FakeTurn.taken(agoMs, () -> events.add(name + " left"), () -> events.add(name + " given back"),
                () -> events.add(name + " ended unwritten"));
    }

    @AfterEach
    void clear() {
        SendAdmission.disarm();
    }

    @Test
    void aCallWrittenRightAfterItsTurnLeavesOnIt() {
        SendAdmission.arm(() -> {
            events.add("admitted");
            SendAdmission.leaving(turn("turn", 0));
        }, () -> events.add("queued again"));
        SendAdmission.admitArmed();
        SendAdmission.beforeWrite();
        SendAdmission.left();
        assertThat(events).containsExactly("admitted", "turn left");
    }

    @Test
    void aCallHeldUpSinceItsTurnGivesItBackAndIsAdmittedAgain() {
        int[] admissions = {0};
        SendAdmission.arm(() -> {
            admissions[0]++;
            events.add("admitted");
            // the first turn was taken before a pause of the JVM; the new one now
            SendAdmission.leaving(admissions[0] == 1 ? turn("old turn", SendAdmission.TURN_MAX_AGE_MS + 500) : turn("new turn", 0));
        }, () -> events.add("queued again"));
        SendAdmission.admitArmed();
        SendAdmission.beforeWrite();
        SendAdmission.left();
        assertThat(events).containsExactly("admitted", "old turn given back", "queued again", "admitted", "new turn left");
    }

    @Test
    void aCallHeldUpAtEveryAdmissionIsNotSent() {
        SendAdmission.arm(() -> {
            events.add("admitted");
            SendAdmission.leaving(turn("turn", 60_000));
        }, () -> events.add("queued again"));
        SendAdmission.admitArmed();
        assertThatThrownBy(SendAdmission::beforeWrite).isInstanceOf(CallNotSentException.class)
                .hasMessageContaining("held up").hasMessageContaining("not sent");
        assertThat(events).containsExactly("admitted", "turn given back", "queued again", "admitted", "turn given back",
                "queued again", "admitted", "turn given back");
        SendAdmission.disarm();
        assertThat(events).as("no turn left behind to count").hasSize(8);
    }

    @Test
    void aCallEndedWithoutItsWriteCountsAsLeftWhenItEnds() {
        SendAdmission.arm(() -> SendAdmission.leaving(turn("turn", 0)), () -> { });
        SendAdmission.admitArmed();
        assertThat(events).isEmpty();
        SendAdmission.disarm();
        assertThat(events).as("counted as left, and said to be unwritten (the ITs sum written calls)")
                .containsExactly("turn ended unwritten");
    }

    /** A guard that took a while after a turn (an intent's renewal) is no hold-up: the call leaves on its turn. */
    @Test
    void aTurnSomeHundredsOfMillisecondsOldAtTheEndOfItsAdmissionStillLeaves() {
        SendAdmission.arm(() -> SendAdmission.leaving(turn("turn", SendAdmission.HELD_UP_MS * 3)), () -> events.add("queued again"));
        SendAdmission.admitArmed();
        SendAdmission.beforeWrite();
        SendAdmission.left();
        assertThat(events).containsExactly("turn left");
    }
}
