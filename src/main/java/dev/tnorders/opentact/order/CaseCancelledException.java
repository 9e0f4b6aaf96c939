package dev.tnorders.opentact.order;

/**
 * An order case did not start: its poll was cancelled (given back, past its deadline, or a
 * partition of its records was revoked) or its work is over ({@link CaseTickets}). Nothing of the
 * case ran: no journal write, no call to Opentact. Its poll fails and is given back; its requests
 * are read again by the partition's owner and resume from the journal.
 */
public class CaseCancelledException extends IllegalStateException {

    public CaseCancelledException(String message) {
        super(message);
    }
}
