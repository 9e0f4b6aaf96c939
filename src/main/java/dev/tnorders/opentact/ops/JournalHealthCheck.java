package dev.tnorders.opentact.ops;

import java.util.function.Supplier;

import dev.tnorders.opentact.journal.OrderJournal;

/**
 * Readiness: DOWN while this instance cannot trust its view of the order journal for a decision,
 * above all when the view is stuck behind a transaction left open on the journal topic (a
 * read_committed reader cannot pass it, so entries other instances wrote after it stay unseen;
 * {@code StaleViewRule}). Meanwhile every decision that needs the journal fails with the same
 * reason, and requests wait in Kafka. UP again by itself once the transaction is committed or
 * aborted (a killed producer's is aborted after its transaction timeout). Not a liveness check.
 */
public class JournalHealthCheck extends ProblemHealthCheck {

    public JournalHealthCheck(OrderJournal journal) {
        this(journal::viewProblem);
    }

    JournalHealthCheck(Supplier<String> problem) {
        super("opentact-journal", "journal", "up to date", "stale", "order journal: ", problem);
    }
}
