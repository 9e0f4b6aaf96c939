package dev.tnorders.opentact.kafka;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The journal's default transactional ids: derived from the static group instance id, or random. */
class TransactionalIdsTest {

    private static final String JOURNAL = "opentact.order.journal";

    @Test
    void aDerivedIdIsThePrefixAHashOfTheGroupAndTheStaticId() {
        String id = TransactionalIds.derived(JOURNAL, "opentact-order-routes", "web-1-0");
        assertThat(id).matches("opentact-order-routes-opentact\\.order\\.journal-[0-9a-f]{8}-web-1-0")
                // the ACL (PREFIXED) of docs/secured-kafka.md still covers it, and a fenced producer's <id>-<suffix>
                .startsWith(TransactionalIds.defaultPrefix(JOURNAL));
    }

    @Test
    void theSameInstanceGetsTheSameIdAtEveryStart() {
        assertThat(TransactionalIds.derived(JOURNAL, "g", "web-1-0"))
                .isEqualTo(TransactionalIds.derived(JOURNAL, "g", "web-1-0"))
                .isEqualTo(TransactionalIds.derived(JOURNAL, "g", " web-1-0 "));
    }

    @Test
    void twoSlotsTwoHostsTwoGroupsAndTwoJournalsNeverShareOne() {
        String base = TransactionalIds.derived(JOURNAL, "g", "web-1-0");
        assertThat(TransactionalIds.derived(JOURNAL, "g", "web-1-1")).isNotEqualTo(base);
        assertThat(TransactionalIds.derived(JOURNAL, "g", "web-2-0")).isNotEqualTo(base);
        // two groups on one host both have <host>-0, and may share the journal topic
        assertThat(TransactionalIds.derived(JOURNAL, "g2", "web-1-0")).isNotEqualTo(base);
        assertThat(TransactionalIds.derived("other.journal", "g", "web-1-0")).isNotEqualTo(base);
    }

    @Test
    void aLongStaticIdIsHashedSoThatTheIdStaysWithinItsBound() {
        String longId = "h".repeat(200) + "-0";
        String id = TransactionalIds.derived(JOURNAL, "g", longId);
        assertThat(id).hasSizeLessThanOrEqualTo(TransactionalIds.DERIVED_MAX)
                .startsWith(TransactionalIds.defaultPrefix(JOURNAL))
                .matches(".*-h[0-9a-f]{16}")
                .isEqualTo(TransactionalIds.derived(JOURNAL, "g", longId));
        assertThat(TransactionalIds.derived(JOURNAL, "g", "h".repeat(200) + "-1")).isNotEqualTo(id);
        // with a fenced producer's suffix (-<8 characters>) within Kafka's 249 for ids
        assertThat(id.length() + 9).isLessThanOrEqualTo(249);
        // what fits is kept as it is
        String fits = "h".repeat(150) + "-0";
        assertThat(TransactionalIds.derived(JOURNAL, "g", fits)).endsWith("-" + fits);
    }

    @Test
    void aRandomOneIsNewAtEachStartAndNeedsNoStaticId() {
        assertThat(TransactionalIds.newDefault(JOURNAL)).startsWith(TransactionalIds.defaultPrefix(JOURNAL))
                .isNotEqualTo(TransactionalIds.newDefault(JOURNAL));
        assertThatThrownBy(() -> TransactionalIds.derived(JOURNAL, "g", " ")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> TransactionalIds.derived(JOURNAL, "g", null)).isInstanceOf(IllegalArgumentException.class);
    }
}
