package dev.tnorders.opentact.client;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RateShareTest {

    private static RateShare.Group stable(int members) {
        return new RateShare.Group(members, false);
    }

    private static RateShare.Group rebalancing(int members) {
        return new RateShare.Group(members, true);
    }

    @Test
    void theShareIsTheLimitInProportionToTheMembersRoundedDown() {
        assertThat(RateShare.share(20, 1, 1)).isEqualTo(20);
        assertThat(RateShare.share(20, 1, 2)).isEqualTo(9);
        assertThat(RateShare.share(20, 1, 3)).isEqualTo(6);
        assertThat(RateShare.share(20, 2, 3)).isEqualTo(12);
        assertThat(RateShare.share(10, 1, 3)).isEqualTo(3);
        // More members than calls per window: one call each, never none.
        assertThat(RateShare.share(2, 1, 5)).isEqualTo(1);
        // Fewer members listed than this instance runs: it counts its own.
        assertThat(RateShare.share(20, 4, 1)).isEqualTo(20);
    }

    @Test
    void withOtherInstancesAnInstanceTakesTheSetPartOfItsShare() {
        assertThat(RateShare.share(20, 1, 2, 100)).isEqualTo(10);
        assertThat(RateShare.share(20, 1, 3, 50)).isEqualTo(3);
        assertThat(RateShare.share(20, 1, 1, 50)).as("alone: the whole limit").isEqualTo(20);
        assertThatThrownBy(() -> new RateShare(20, 1, 0, 0)).hasMessageContaining("opentact.api.rate-share-percent");
        assertThatThrownBy(() -> new RateShare(20, 1, 0, 101)).hasMessageContaining("opentact.api.rate-share-percent");
    }

    @Test
    void theSharesOfAllInstancesNeverAddUpToMoreThanTheLimit() {
        for (long limit : new long[] {1, 2, 3, 7, 10, 20, 50, 99, 1000}) {
            for (int[] instances : new int[][] {{1}, {1, 1}, {1, 1, 1}, {2, 1}, {3, 2, 1}, {4, 4, 4, 1}, {1, 1, 1, 1, 1, 1}}) {
                int total = java.util.Arrays.stream(instances).sum();
                long sum = java.util.Arrays.stream(instances).mapToLong(m -> RateShare.share(limit, m, total)).sum();
                if (limit >= total) {
                    assertThat(sum).as("limit %d, members %s", limit, java.util.Arrays.toString(instances))
                            .isLessThanOrEqualTo(limit)
                            // the headroom with several instances, and rounding down: less than one call each
                            .isGreaterThan((instances.length > 1 ? limit * 9 / 10 : limit) - instances.length);
                } else {
                    // More members than calls: an instance whose part is under one call still gets one
                    // (the floor), and only those go over.
                    long underOne = java.util.Arrays.stream(instances).filter(m -> limit * m < total).count();
                    assertThat(sum).as("limit %d, members %s", limit, java.util.Arrays.toString(instances))
                            .isLessThanOrEqualTo(limit + underOne);
                }
            }
        }
    }

    @Test
    void beforeKafkaAnswersOneCallPerWindow() {
        RateShare share = new RateShare(20, 1, 0);
        assertThat(share.share()).isEqualTo(1);
        assertThat(share.observe(null, 1_000)).isEqualTo(1);
        assertThat(share.total()).isZero();
    }

    @Test
    void aNewInstanceCountsItselfOnTopOfTheMembersSeenUntilItHasJoined() {
        RateShare share = new RateShare(30, 1, 0);
        // Two instances are there; this one's consumer is not in the group yet.
        assertThat(share.observe(stable(2), 100)).isEqualTo(9);
        assertThat(share.joined()).isFalse();
        // It joins: the group rebalances with three members, then is stable again.
        assertThat(share.observe(rebalancing(3), 2_100)).isEqualTo(9);
        assertThat(share.joined()).isTrue();
        assertThat(share.observe(stable(3), 4_100)).isEqualTo(9);
        // One of the others leaves.
        assertThat(share.observe(stable(2), 6_100)).isEqualTo(13);
    }

    @Test
    void aRestartedStaticMemberHasJoinedOnceItsOwnMembersAreSeenThoughTheGroupDidNotGrow() {
        // Killed and started again alone: its old static members (2) are still in the group, and
        // its new consumers take their places instead of adding members.
        RateShare share = new RateShare(20, 2, 0);
        assertThat(share.observe(stable(2), 100)).isEqualTo(9); // on top of the 2 seen: 20 x 2 / 4 x 90%
        assertThat(share.observe(stable(2), 1_100)).as("not joined by the count").isEqualTo(9);
        assertThat(share.joined()).isFalse();
        assertThat(share.observe(new RateShare.Group(2, false, true), 2_100)).as("its members seen").isEqualTo(20);
        assertThat(share.joined()).isTrue();
    }

    @Test
    void theFirstInstanceTakesTheWholeLimitOnceAlone() {
        RateShare share = new RateShare(20, 1, 0);
        assertThat(share.observe(stable(0), 10)).isEqualTo(20); // empty group: it will be the only member
        assertThat(share.observe(stable(1), 2_010)).isEqualTo(20);
        assertThat(share.joined()).isTrue();
        assertThat(share.observe(stable(3), 4_010)).isEqualTo(6);
    }

    @Test
    void severalConsumerThreadsTakeTheirPart() {
        RateShare share = new RateShare(20, 2, 0);
        assertThat(share.observe(stable(1), 0)).isEqualTo(12); // 2 of 3: one other member and its own two
        assertThat(share.observe(stable(3), 2_000)).isEqualTo(12);
        assertThat(share.joined()).isTrue();
        assertThat(share.observe(stable(4), 4_000)).isEqualTo(9);
    }

    @Test
    void whileTheGroupRebalancesTheShareDoesNotGrow() {
        RateShare share = new RateShare(30, 1, 0);
        share.observe(stable(0), 0);
        share.observe(stable(3), 1_000);
        assertThat(share.share()).isEqualTo(9);
        // A member leaves: fewer members are listed while the group rebalances.
        assertThat(share.observe(rebalancing(2), 2_000)).isEqualTo(9);
        // It may shrink meanwhile (a member joins).
        assertThat(share.observe(rebalancing(5), 3_000)).isEqualTo(5);
        // Stable again: the members as they are.
        assertThat(share.observe(stable(2), 4_000)).isEqualTo(13);
    }

    @Test
    void whenKafkaDoesNotAnswerTheShareStaysAsItWas() {
        RateShare share = new RateShare(30, 1, 0);
        share.observe(stable(0), 0);
        share.observe(stable(3), 1_000);
        assertThat(share.observe(null, 3_000)).isEqualTo(9);
    }

    @Test
    void anInstanceThatNeverSawItselfJoinCountsAsJoinedAfterTheGrace() {
        RateShare share = new RateShare(30, 1, 0);
        assertThat(share.observe(stable(3), 0)).isEqualTo(6); // 1 of 4
        // Another instance left while this one joined: three members again.
        assertThat(share.observe(stable(3), 30_000)).isEqualTo(6);
        assertThat(share.observe(stable(3), RateShare.JOIN_GRACE_MS)).isEqualTo(9);
        assertThat(share.joined()).isTrue();
    }

    @Test
    void aLimitThatIsNotPositiveOrNegativeMembersAreRefusedByName() {
        assertThatThrownBy(() -> new RateShare(0, 1, 0)).hasMessageContaining("opentact.api.rate-limit");
        assertThatThrownBy(() -> new RateShare(20, -1, 0)).hasMessageContaining("opentact.kafka.consumers");
    }

    @Test
    void anInstanceThatReadsNoRequestsCountsAsOneMember() {
        RateShare share = new RateShare(20, 0, 0);
        assertThat(share.mine()).isEqualTo(1);
        assertThat(share.observe(stable(2), 0)).isEqualTo(6); // 1 of 3, with the headroom
    }
}
