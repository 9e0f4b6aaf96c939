package dev.tnorders.opentact.ops;

import java.util.Map;
import java.util.function.Supplier;

import org.apache.camel.health.HealthCheckResultBuilder;

import dev.tnorders.opentact.journal.OrderJournal;

/**
 * Readiness: DOWN while this instance cannot use the order journal for a decision, with the reason:
 * <ul>
 *   <li>it cannot write it (detail {@code journal: cannot write}): a write failed (Kafka away past
 *   the producer's {@code max.block.ms}, the producer fenced or in an error state) and no producer
 *   has been started again, or no write has committed, since; UP again by itself once a new
 *   producer is started (this check asks for one) or a write commits;</li>
 *   <li>its view is stale (detail {@code journal: stale}): stuck behind a transaction left open on
 *   the journal topic (a read_committed reader cannot pass it, so entries other instances wrote after
 *   it stay unseen; {@code StaleViewRule}), or the journal not readable. UP again by itself once the
 *   transaction is committed or aborted (a killed producer's is aborted after its transaction timeout).</li>
 * </ul>
 * Meanwhile every decision that needs the journal fails, and requests wait in Kafka. Not a liveness
 * check: a restart would not bring Kafka back, and the journal recovers without one.
 */
public class JournalHealthCheck extends ProblemHealthCheck {

    private final Supplier<String> writeProblem;

    public JournalHealthCheck(OrderJournal journal) {
        this(journal::writeProblem, journal::viewProblem);
    }

    JournalHealthCheck(Supplier<String> writeProblem, Supplier<String> viewProblem) {
        super("opentact-journal", "journal", "up to date", "stale", "order journal: ", viewProblem);
        this.writeProblem = writeProblem;
    }

    @Override
    protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
        String cannotWrite = writeProblem.get();
        if (cannotWrite == null) {
            super.doCall(builder, options);
            return;
        }
        builder.detail("journal", "cannot write");
        builder.message("order journal: " + HealthText.plain(cannotWrite));
        builder.down();
    }
}
