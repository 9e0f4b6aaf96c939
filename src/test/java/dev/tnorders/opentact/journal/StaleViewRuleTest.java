package dev.tnorders.opentact.journal;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class StaleViewRuleTest {

    private final StaleViewRule rule = new StaleViewRule(30_000);

    @Test
    void aViewAtTheLogsEndIsFresh() {
        rule.observe(0, 120, 120, 0);
        assertThat(rule.problem("j", 100_000)).isNull();
    }

    @Test
    void aViewBehindForAMomentIsNotStaleAnOpenTransactionTrailsEveryCommit() {
        rule.observe(0, 100, 103, 0);
        assertThat(rule.problem("j", 30_000)).isNull();
        rule.observe(0, 103, 103, 200);
        assertThat(rule.problem("j", 100_000)).isNull();
    }

    @Test
    void aViewThatStaysAtOneOffsetWhileTheLogGoesOnIsStaleAfterTheThreshold() {
        rule.observe(0, 100, 103, 0);
        rule.observe(0, 100, 250, 20_000);
        assertThat(rule.problem("j", 29_000)).isNull();
        rule.observe(0, 100, 400, 31_000);
        assertThat(rule.problem("j", 31_000))
                .contains("order journal 'j' partition 0 is stuck at offset 100 (log end 400)")
                .contains("open for 31 s").contains("no order is decided until it is committed or aborted");
        // the transaction aborted: the reader passes it and reaches the end
        rule.observe(0, 401, 401, 32_000);
        assertThat(rule.problem("j", 32_000)).isNull();
    }

    @Test
    void aViewThatMovesIsNotStuckEvenWhenItNeverReachesTheEnd() {
        for (int i = 0; i < 10; i++) {
            rule.observe(0, 100 + i, 500 + i, i * 10_000L);
        }
        assertThat(rule.problem("j", 95_000)).isNull();
    }

    @Test
    void eachPartitionOnItsOwn() {
        rule.observe(0, 5, 5, 0);
        rule.observe(1, 7, 9, 0);
        rule.observe(0, 6, 6, 40_000);
        rule.observe(1, 7, 12, 40_000);
        assertThat(rule.problem("j", 40_000)).contains("partition 1 ").doesNotContain("partition 0");
    }

    @Test
    void theThresholdMustBePositive() {
        assertThatThrownBy(() -> new StaleViewRule(0)).isInstanceOf(IllegalArgumentException.class);
    }
}
