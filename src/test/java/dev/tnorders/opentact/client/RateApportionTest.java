package dev.tnorders.opentact.client;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RateApportionTest {

    private static RateApportion.Member m(String key, long demand) {
        return new RateApportion.Member(key, demand);
    }

    @Test
    void aBusyMemberTakesWhatTheIdleOnesLeaveAtASmallLimit() {
        // 3 instances at R = 3: all of it where the backlog is, not 1 of 3
        assertThat(RateApportion.apportion(3, List.of(m("a", 0), m("b", 400), m("c", 0)), 0))
                .containsEntry("a", 0L).containsEntry("b", 3L).containsEntry("c", 0L);
        assertThat(RateApportion.apportion(6, List.of(m("a", 0), m("b", 400), m("c", 0)), 7))
                .containsEntry("b", 6L);
    }

    @Test
    void withNoDemandTheBudgetIsSplitEvenlyAndWholly() {
        Map<String, Long> s = RateApportion.apportion(18, List.of(m("a", 0), m("b", 0), m("c", 0)), 0);
        assertThat(s).containsEntry("a", 6L).containsEntry("b", 6L).containsEntry("c", 6L);
        Map<String, Long> t = RateApportion.apportion(20, List.of(m("a", 0), m("b", 0), m("c", 0)), 0);
        assertThat(t.values().stream().mapToLong(Long::longValue).sum()).isEqualTo(20);
        assertThat(t.values()).allMatch(v -> v == 6 || v == 7);
    }

    @Test
    void everyMemberWithDemandGetsACallFirstSoASmallRequestIsNotStuck() {
        Map<String, Long> s = RateApportion.apportion(3, List.of(m("a", 1), m("b", 2000), m("c", 0)), 0);
        assertThat(s).containsEntry("a", 1L).containsEntry("b", 2L).containsEntry("c", 0L);
    }

    @Test
    void idleMembersKeepACallEachOnlyWhereTheBudgetIsLarge() {
        Map<String, Long> big = RateApportion.apportion(100, List.of(m("a", 0), m("b", 50), m("c", 0)), 0);
        assertThat(big).containsEntry("a", 1L).containsEntry("b", 98L).containsEntry("c", 1L);
        Map<String, Long> small = RateApportion.apportion(18, List.of(m("a", 0), m("b", 50), m("c", 0)), 0);
        assertThat(small).containsEntry("b", 18L);
    }

    @Test
    void largestRemaindersWithTiesByKeyThatStayPut() {
        // 10 by 1:1:1 = 3.33 each: the one call left goes to the first by key, whatever the rotation
        // (a tie that rotated moved a call between members every few looks, each move costing a look
        // and a window at the member it went to)
        List<RateApportion.Member> three = List.of(m("a", 5), m("b", 5), m("c", 5));
        for (long rotation = 0; rotation < 4; rotation++) {
            assertThat(RateApportion.apportion(10, three, rotation)).as("rotation " + rotation)
                    .containsEntry("a", 4L).containsEntry("b", 3L).containsEntry("c", 3L);
        }
        // largest remainder wins over the order: 10 by 1:2:7 = 1, 2, 7 exactly less the floors...
        assertThat(RateApportion.apportion(7, List.of(m("a", 10), m("b", 25), m("c", 65)), 0))
                .containsEntry("a", 1L).containsEntry("b", 2L).containsEntry("c", 4L);
    }

    @Test
    void largeDemandsWeighTheSameSoThatTheirFiguresCrossingMovesNoCall() {
        // three instances at R = 20 just after a burst: 2,130 to 4,677 records each, all of them
        // more than keeps an even part busy for a few looks (150 x 20 / 3 = 1,000)
        assertThat(RateApportion.largeDemand(20, 3)).isEqualTo(1_000);
        Map<String, Long> burst = RateApportion.apportion(20, List.of(m("a", 2_338), m("b", 4_677), m("c", 2_130)), 7);
        assertThat(burst).containsEntry("a", 7L).containsEntry("b", 7L).containsEntry("c", 6L);
        assertThat(RateApportion.apportion(20, List.of(m("a", 4_000), m("b", 4_100), m("c", 3_900)), 8))
                .as("their figures crossed within a step (250): the same split").isEqualTo(burst);
        assertThat(RateApportion.apportion(20, List.of(m("a", 4_000), m("b", 2_100), m("c", 3_000)), 8))
                .as("crossed by more: only the call of the tie moves, to the larger backlog")
                .containsEntry("a", 7L).containsEntry("b", 6L).containsEntry("c", 7L);
        // below it, by their sizes: a smaller backlog takes a smaller part, so they finish together
        assertThat(RateApportion.apportion(20, List.of(m("a", 400), m("b", 800), m("c", 800)), 0))
                .containsEntry("a", 4L).containsEntry("b", 8L).containsEntry("c", 8L);
        assertThat(RateApportion.apportion(20, List.of(m("a", 300), m("b", 5_000), m("c", 5_000)), 0))
                .as("a large one counts as 1,000").containsEntry("a", 3L).containsEntry("b", 9L).containsEntry("c", 8L);
    }

    /**
     * Three equal backlogs of 6,667 records at R = 20 (25 records a call), split again at every
     * look (2 s). By key alone the one at 6 calls fell 50 records a look behind, 800 by the time the
     * others came under the large demand (1,000), and it ended last by seconds, its share growing
     * only a look and a window after theirs had ended: they never spread by more than about two
     * steps of 250 now.
     */
    @Test
    void equalBacklogsDrainingAtTheirSharesStayWithinAFewStepsOfEachOther() {
        long[] backlog = {6_667, 6_667, 6_667};
        long widest = 0;
        for (int look = 0; look < 100 && backlog[0] > 0 && backlog[1] > 0 && backlog[2] > 0; look++) {
            Map<String, Long> s = RateApportion.apportion(20,
                    List.of(m("a", backlog[0]), m("b", backlog[1]), m("c", backlog[2])), look / 4);
            for (int i = 0; i < 3; i++) {
                backlog[i] = Math.max(0, backlog[i] - 2 * 25 * s.get(String.valueOf((char) ('a' + i))));
            }
            widest = Math.max(widest, Math.max(backlog[0], Math.max(backlog[1], backlog[2]))
                    - Math.min(backlog[0], Math.min(backlog[1], backlog[2])));
        }
        assertThat(widest).as("the widest spread of the backlogs while all three drained").isLessThanOrEqualTo(600);
    }

    @Test
    void moreMembersThanCallsTakeTurns() {
        List<RateApportion.Member> five = List.of(m("a", 3), m("b", 3), m("c", 3), m("d", 3), m("e", 3));
        Map<String, Long> turns = new HashMap<>();
        for (long rotation = 0; rotation < 5; rotation++) {
            Map<String, Long> s = RateApportion.apportion(2, five, rotation);
            assertThat(s.values().stream().mapToLong(Long::longValue).sum()).isEqualTo(2);
            s.forEach((k, v) -> turns.merge(k, v, Long::sum));
        }
        assertThat(turns.values()).as("each member's calls over five rotations").containsOnly(2L);
    }

    @Test
    void theSameAnswerWhateverTheOrderTheMembersAreListedIn() {
        List<RateApportion.Member> one = List.of(m("x", 3), m("y", 9), m("z", 0), m("w", 1));
        List<RateApportion.Member> other = List.of(m("w", 1), m("z", 0), m("y", 9), m("x", 3));
        assertThat(RateApportion.apportion(13, one, 5)).isEqualTo(RateApportion.apportion(13, other, 5));
    }

    @Test
    void alwaysAddsUpToTheBudget() {
        Random r = new Random(23);
        for (int round = 0; round < 5_000; round++) {
            int n = 1 + r.nextInt(6);
            List<RateApportion.Member> ms = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                ms.add(m("k" + i, r.nextInt(4) == 0 ? 0 : r.nextInt(3000)));
            }
            long budget = r.nextInt(120);
            Map<String, Long> s = RateApportion.apportion(budget, ms, r.nextInt(100));
            assertThat(s).hasSize(n);
            assertThat(s.values()).allMatch(v -> v >= 0);
            assertThat(s.values().stream().mapToLong(Long::longValue).sum()).as("%s of %d", ms, budget).isEqualTo(budget);
        }
        assertThat(RateApportion.apportion(5, List.of(), 0)).isEmpty();
    }

    @Test
    void refusesWhatItCannotSplit() {
        assertThatThrownBy(() -> RateApportion.apportion(-1, List.of(m("a", 1)), 0))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> RateApportion.apportion(3, List.of(m("a", 1), m("a", 2)), 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("twice");
    }
}
