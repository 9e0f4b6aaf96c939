package dev.tnorders.opentact.intake;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

import dev.tnorders.opentact.journal.Fencing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Only the current owner of a request's partition, in the epoch its record was polled in, may write. */
class PartitionOwnersTest {

    private static final ConsumerGroupMetadata GEN_7 = new ConsumerGroupMetadata("g", 7, "member-a", Optional.empty());
    private final PartitionOwners owners = new PartitionOwners("requests");

    @Test
    void theOwnerWritesWithItsGenerationAndItsCommittedOffsets() {
        owners.observe(0, GEN_7);
        owners.assigned(0, Map.of(3, 40L));
        owners.track("r1", 3);
        owners.committed(3, 42L);
        try (Fencing.Fence fence = owners.acquire(List.of("r1"))) {
            assertThat(fence.member()).isEqualTo(GEN_7);
            assertThat(fence.offsets()).isEqualTo(Map.of(new TopicPartition("requests", 3), new OffsetAndMetadata(42L)));
            assertThat(fence.key()).isEqualTo("member-0");
        }
    }

    @Test
    void aRequestIsHeldOnlyUnderTheClaimOfItsRecordInThePartitionsCurrentEpoch() {
        owners.observe(0, GEN_7);
        owners.assigned(0, Map.of(2, 0L));
        assertThat(owners.holds("r1")).as("not tracked").isFalse();
        PartitionOwners.Claim claim = owners.track("r1", 2);
        assertThat(owners.holds("r1")).isTrue();
        owners.revoked(List.of(2));
        assertThat(owners.holds("r1")).as("revoked").isFalse();
        owners.assigned(0, Map.of(2, 0L));
        assertThat(owners.holds("r1")).as("back, in a new epoch").isFalse();
        owners.untrack("r1", claim);
        owners.track("r1", 2);
        assertThat(owners.holds("r1")).isTrue();
    }

    @Test
    void requestsNoConsumerTracksAreNotFenced() {
        assertThat(owners.acquire(List.of("from-a-tool"))).isNull();
    }

    @Test
    void afterARevocationTheOldWorkWritesNothingEvenWhenThePartitionComesBack() {
        owners.observe(0, GEN_7);
        owners.assigned(0, Map.of(1, 0L));
        owners.track("r1", 1);
        owners.revoked(List.of(1));
        assertThatThrownBy(() -> owners.acquire(List.of("r1"))).isInstanceOf(Fencing.NotOwnedException.class)
                .hasMessageContaining("requests-1");
        owners.assigned(0, Map.of(1, 0L));
        assertThatThrownBy(() -> owners.acquire(List.of("r1"))).as("a new epoch: the record is polled again")
                .isInstanceOf(Fencing.NotOwnedException.class);
        owners.track("r1", 1);
        owners.acquire(List.of("r1")).close();
    }

    @Test
    void aRevocationWaitsForTheWriteInProgress() throws Exception {
        owners.observe(0, GEN_7);
        owners.assigned(0, Map.of(1, 0L));
        owners.track("r1", 1);
        Fencing.Fence writing = owners.acquire(List.of("r1"));
        CompletableFuture<Void> revoked = CompletableFuture.runAsync(() -> owners.revoked(List.of(1)));
        assertThat(revoked).as("held by the write").isNotCompleted();
        try {
            revoked.get(200, TimeUnit.MILLISECONDS);
        } catch (TimeoutException expected) {
            // still waiting, as it must
        }
        writing.close();
        revoked.get(5, TimeUnit.SECONDS);
        assertThat(owners.owns(1)).isFalse();
    }

    @Test
    void untrackedRequestsLeaveTheLaterPollsClaim() {
        owners.observe(0, GEN_7);
        owners.assigned(0, Map.of(1, 0L));
        PartitionOwners.Claim first = owners.track("r1", 1);
        owners.track("r1", 1); // the same request in a later record
        owners.untrack("r1", first);
        assertThat(owners.acquire(List.of("r1"))).as("still tracked by the later poll").isNotNull().satisfies(Fencing.Fence::close);
    }

    @Test
    void aClaimKeepsTheEpochItsRecordWasPolledInWhenItsWorkStartsLater() {
        owners.observe(0, GEN_7);
        owners.assigned(0, Map.of(2, 0L));
        PartitionOwners.Claim polledThen = owners.claim(2);
        owners.revoked(List.of(2));
        owners.assigned(0, Map.of(2, 0L)); // the partition came back: the record is polled again
        owners.track("r1", polledThen); // the old record's work starts only now (it waited for another)
        assertThatThrownBy(() -> owners.acquire(List.of("r1"))).isInstanceOf(Fencing.NotOwnedException.class);
    }

    @Test
    void aRequestInFlightHereWithoutAClaimIsRefusedNotLetThroughUnfenced() {
        owners.observe(0, GEN_7);
        owners.assigned(0, Map.of(1, 0L));
        owners.inFlight("r1"::equals);
        assertThatThrownBy(() -> owners.acquire(List.of("r1"))).isInstanceOf(Fencing.NotOwnedException.class);
        assertThat(owners.acquire(List.of("r2"))).as("not worked on here: a tool's write").isNull();
    }
}
