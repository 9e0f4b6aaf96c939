package dev.tnorders.opentact.journal;

import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.ClusterAuthorizationException;
import org.apache.kafka.common.errors.FencedInstanceIdException;
import org.apache.kafka.common.errors.IllegalGenerationException;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.InvalidTxnStateException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.RebalanceInProgressException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.TransactionalIdAuthorizationException;
import org.apache.kafka.common.errors.UnknownMemberIdException;
import org.apache.kafka.common.errors.UnknownProducerIdException;
import org.apache.kafka.common.errors.UnsupportedVersionException;

/**
 * What a failed journal transaction asks of its producer: the one decision "which failure needs a
 * new producer". Kafka's transactional producer is a state machine: after a commit or abort that
 * timed out it refuses every other call ({@code IllegalStateException}: "the previous call to
 * commitTransaction timed out and must be retried"), after a fatal error it refuses every
 * transaction, and after an abortable one it needs an abort. A producer that may be in any of the
 * first two states is closed and a new one started ({@code initTransactions}, which also ends at
 * the coordinator whatever transaction the old one left open).
 */
final class ProducerFailures {

    enum Action {
        /**
         * The consumer group moved to a new generation (a rebalance): the transaction is aborted
         * (the producer is sound) and the write tried again as the partition's owner.
         */
        RETRY_AS_OWNER,
        /** An error that only fails this transaction (a record refused, a topic not allowed): abort it. */
        ABORT,
        /**
         * The producer may be unusable: Kafka did not answer in time (a commit, abort or send that
         * timed out leaves it waiting for a retry of that call), its state machine refuses the
         * call, it is closed, or it hit a fatal error. Close it; a new one with the same
         * transactional id is started at the next write.
         */
        REBUILD,
        /**
         * Fenced: another producer took its transactional id, or the broker ended its epoch. A new
         * one with an id of its own is started, and the requests consumers give their partitions
         * up (this instance may be a zombie).
         */
        REBUILD_WITH_NEW_ID
    }

    private ProducerFailures() {
    }

    /** The action for a failure of any step of a transaction (begin, send, send offsets, commit). */
    static Action of(Throwable e) {
        if (causedBy(e, ProducerFencedException.class) || causedBy(e, InvalidProducerEpochException.class)) {
            return Action.REBUILD_WITH_NEW_ID;
        }
        if (causedBy(e, TimeoutException.class) || causedBy(e, IllegalStateException.class)
                || causedBy(e, UnknownProducerIdException.class) || causedBy(e, OutOfOrderSequenceException.class)
                || causedBy(e, InvalidTxnStateException.class) || causedBy(e, UnsupportedVersionException.class)
                || causedBy(e, AuthenticationException.class) || causedBy(e, TransactionalIdAuthorizationException.class)
                || causedBy(e, ClusterAuthorizationException.class) || causedBy(e, InterruptException.class)) {
            return Action.REBUILD;
        }
        if (fencedByGroup(e)) {
            return Action.RETRY_AS_OWNER;
        }
        return Action.ABORT;
    }

    /** Refused by the group coordinator: the member's generation is not the group's (KIP-447 fencing). */
    static boolean fencedByGroup(Throwable e) {
        return causedBy(e, CommitFailedException.class) || causedBy(e, RebalanceInProgressException.class)
                || causedBy(e, IllegalGenerationException.class) || causedBy(e, UnknownMemberIdException.class)
                || causedBy(e, FencedInstanceIdException.class);
    }

    /**
     * The failure in a few words for a log line and an error: the innermost cause that says most
     * (the producer wraps the real error in "Cannot execute transactional method because we are in
     * an error state").
     */
    static String describe(Throwable e) {
        Throwable shown = e;
        int depth = 0;
        for (Throwable t = e.getCause(); t != null && depth < 20; t = t.getCause(), depth++) {
            if (t instanceof KafkaException || t instanceof IllegalStateException) {
                shown = t;
            }
        }
        return shown == e ? e.getClass().getSimpleName() + ": " + e.getMessage()
                : e.getClass().getSimpleName() + ": " + e.getMessage() + " (" + shown.getClass().getSimpleName() + ": "
                        + shown.getMessage() + ")";
    }

    static boolean causedBy(Throwable e, Class<? extends Throwable> type) {
        int depth = 0;
        for (Throwable t = e; t != null && depth < 20; t = t.getCause(), depth++) {
            if (type.isInstance(t)) {
                return true;
            }
        }
        return false;
    }
}
