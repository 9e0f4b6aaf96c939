package dev.tnorders.opentact.intake;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Offsets committed in order as requests finish; a failed poll read again from its first record. */
class PartitionProgressTest {

    private final PartitionProgress progress = new PartitionProgress();

    private void poll(int partition, long... offsets) {
        for (long o : offsets) {
            progress.polled(partition, o);
        }
    }

    @Test
    void aSlowPollHoldsTheCommitPointNotTheLaterPolls() {
        progress.start(0, 10);
        poll(0, 10, 11, 12);
        poll(0, 13, 14);
        assertThat(progress.toCommit()).isEmpty();
        progress.finished(0, List.of(13L, 14L));
        assertThat(progress.toCommit()).as("the first poll is still in flight").isEmpty();
        progress.finished(0, List.of(10L, 11L, 12L));
        assertThat(progress.toCommit()).isEqualTo(Map.of(0, 15L));
        progress.committed(Map.of(0, 15L));
        assertThat(progress.toCommit()).isEmpty();
        assertThat(progress.committed()).isEqualTo(Map.of(0, 15L));
    }

    @Test
    void partitionsMoveOnTheirOwn() {
        progress.start(0, 0);
        progress.start(1, 100);
        poll(0, 0, 1);
        poll(1, 100);
        progress.finished(1, List.of(100L));
        assertThat(progress.toCommit()).isEqualTo(Map.of(1, 101L));
        assertThat(progress.inFlight()).isEqualTo(2);
    }

    @Test
    void aFailedPollIsReadAgainFromItsFirstRecordOnceNothingIsInFlight() {
        progress.start(0, 0);
        poll(0, 0, 1);
        poll(0, 2, 3);
        progress.failed(0, List.of(0L, 1L));
        assertThat(progress.readyToRewind(0)).as("the later poll is still in flight").isFalse();
        progress.finished(0, List.of(2L, 3L));
        assertThat(progress.toCommit()).as("nothing from the failed record on is committed").isEmpty();
        assertThat(progress.readyToRewind(0)).isTrue();
        assertThat(progress.rewind(0)).isEqualTo(0L);
        assertThat(progress.hasFailed(0)).isFalse();
        poll(0, 0, 1, 2, 3);
        progress.finished(0, List.of(0L, 1L, 2L, 3L));
        assertThat(progress.toCommit()).isEqualTo(Map.of(0, 4L));
    }

    @Test
    void aPartitionGivenUpIsForgottenAndItsLateResultsIgnored() {
        progress.start(0, 5);
        poll(0, 5, 6);
        progress.forget(0);
        progress.finished(0, List.of(5L, 6L));
        progress.failed(0, List.of(5L));
        assertThat(progress.owns(0)).isFalse();
        assertThat(progress.toCommit()).isEmpty();
        assertThat(progress.committable(0)).isEqualTo(-1);
    }
}
