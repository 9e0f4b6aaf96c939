package dev.tnorders.opentact.client;

import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

import org.slf4j.Logger;

import dev.tnorders.opentact.kafka.KafkaClientSettings;

/**
 * The share by demand, through the shares topic ({@link SharesBoard}): each look publishes this
 * instance's demand and claim, reads the others', computes its target ({@link RateApportion}) and
 * moves the share only as {@link ShareClaims} allows (down at once; up when its claim, read back,
 * is granted, and a window later). {@link SharedRateLimit} keeps the share in force and the look
 * at the group; every change of the claims is made under its lock, {@code synchronized (rule)}.
 */
final class DemandShares {

    /**
     * The share in force, as {@link SharedRateLimit} keeps it: what a look by demand reads and moves.
     *
     * @param share             the share now (0 while stale); a raise whose hold has ended comes into force
     * @param perSlice          calls per slice of the share in force
     * @param apply             puts a share in force
     * @param joinAgainIfPaused joins the group again when no look was made for the lease (a paused JVM)
     * @param looked            a look was made (answered or not), now
     */
    record InForce(LongSupplier share, LongSupplier perSlice, LongConsumer apply, Rejoin joinAgainIfPaused,
                   Runnable looked) {
    }

    /** Joins the group again when no look was made for the lease; whether it did. */
    @FunctionalInterface
    interface Rejoin {
        boolean ifPaused(long nowNanos, String until);
    }

    private final Logger log;
    private final KafkaClientSettings kafka;
    private final String groupId;
    private final long windowMs;
    private final long intervalMs;
    private final long staleNanos;
    private final int severalPercent;
    private final LongSupplier clock;
    private final LongSupplier lookedNanos;
    /** The group's rule, and the lock every change of the claims is made under. */
    private final RateShare rule;
    private final RateTurns turns;
    private final InForce inForce;
    /** The shares topic; null: the share follows the group's members only (RateShare), as in tests and {@code alone}. */
    private volatile SharesBoard board;
    private Supplier<SharesBoard> boardFactory;
    private ShareClaims claims;
    private volatile String key = UUID.randomUUID().toString();
    /** This instance's stable name on the shares topic, once known ({@link #instanceKey}). */
    private volatile String stableKey;
    /** Monotonic time of the last look that was answered and published and read the shares topic. */
    private volatile long lastGoodNanos;
    /** This instance's backlog: its requests polled and not finished (RequestConsumers). */
    private volatile LongSupplier backlog = () -> 0;
    /** Whether this instance may take part now (joined and settled, or not a member of the group). */
    private volatile boolean takesPart;
    private long lastTarget;
    private long lastLogged = -1;
    private long lastDemand;
    private boolean boardFailing;
    /** The share lapsed for want of a good look (logged once). */
    private boolean lapsed;

    /**
     * @param log        the rate limit's logger (its lines keep their logger)
     * @param staleNanos how long a share lasts without a good look
     * @param nanos      the monotonic clock of the share's lease
     * @param startNanos its time at the start, when the lease begins
     */
    DemandShares(Logger log, KafkaClientSettings kafka, String groupId, long windowMs, long intervalMs, long staleNanos,
                 int severalPercent, LongSupplier clock, LongSupplier nanos, long startNanos, RateShare rule,
                 RateTurns turns, InForce inForce) {
        this.log = log;
        this.kafka = kafka;
        this.groupId = groupId;
        this.windowMs = windowMs;
        this.intervalMs = intervalMs;
        this.staleNanos = staleNanos;
        this.severalPercent = severalPercent;
        this.clock = clock;
        this.lookedNanos = nanos;
        this.rule = rule;
        this.turns = turns;
        this.inForce = inForce;
        this.lastGoodNanos = startNanos;
    }

    /** The shares topic by name ({@code opentact.topics.rate-shares}); blank or "none": off. */
    void sharesTopic(String topic) {
        if (topic == null || topic.isBlank() || "none".equalsIgnoreCase(topic.trim())) {
            this.boardFactory = null;
            return;
        }
        this.boardFactory = () -> new RateSharesTopic(kafka, topic.trim(), intervalMs);
    }

    /** A board of one's own (tests): the share follows the demand published there. */
    void board(SharesBoard board) {
        this.boardFactory = () -> board;
        this.board = board;
        initClaims();
    }

    /** Opens the shares topic, if one was named and it is not open yet (at the start). */
    void open() {
        if (board == null && boardFactory != null) {
            board = boardFactory.get();
            initClaims();
        }
    }

    /** The shares topic while open; null: closed, or none. */
    SharesBoard board() {
        return board;
    }

    private void initClaims() {
        // A silent member is counted until it must have stopped calling: its share falls to 0 after
        // STALE_INTERVALS without a good look; a look takes at most about three intervals (the group,
        // the publication, the reading); then its window ends.
        this.claims = new ShareClaims(key, rule.limit(), windowMs, TimeUnit.NANOSECONDS.toMillis(staleNanos)
                + 3 * intervalMs + windowMs);
    }

    /** Whether the share follows the claims (the shares topic was opened once). */
    boolean on() {
        return claims != null;
    }

    /** Monotonic time of the last good look. */
    long lastGoodNanos() {
        return lastGoodNanos;
    }

    /** See {@link SharedRateLimit#backlog}. */
    void backlog(LongSupplier backlog) {
        this.backlog = backlog == null ? () -> 0 : backlog;
    }

    /** The demand this instance publishes: calls waiting for a turn, and its backlog. */
    long demand() {
        long b;
        try {
            b = Math.max(0, backlog.getAsLong());
        } catch (RuntimeException e) {
            b = 0;
        }
        return Math.min(RateApportion.MAX_DEMAND, turns.waiting() + b);
    }

    /** The level the claims allow now: 0 while this instance does not take part. */
    long level() {
        synchronized (rule) { // a granted raise comes into force once its hold has ended
            return takesPart ? claims.level(clock.getAsLong()) : 0;
        }
    }

    /** Under {@code synchronized (rule)}, as the group is joined again: no claim, no part, until granted again. */
    void resetOnRejoin() {
        if (claims != null) {
            claims.reset();
            takesPart = false;
        }
    }

    /** At the stop: no part from here on, then a tombstone for this instance's claim, and the topic closed. */
    void withdraw() {
        if (board != null) {
            synchronized (rule) {
                takesPart = false; // no call from here on: then the record that says so
                claims.reset();
            }
            try {
                board.publish(key, null, intervalMs); // a tombstone: this instance claims nothing any more
            } catch (Exception e) {
                log.debug("Opentact rate limit: could not withdraw this instance's claim from '{}' ({}); the others "
                        + "stop counting it when it has been silent long enough", board.name(), e.toString());
            }
            board.close();
            board = null;
        }
    }

    /** See {@link SharedRateLimit#instanceKey}. */
    void instanceKey(String groupInstanceId) {
        if (groupInstanceId != null && !groupInstanceId.isBlank()) {
            stableKey = "instance " + groupInstanceId;
        }
    }

    /**
     * One look with the shares topic: read it to its end, compute this instance's target by the
     * demands seen ({@link RateApportion}), lower the share at once or claim a raise
     * ({@link ShareClaims}), publish, and read the claim back. A look is good when the group was
     * answered and the record written and read; without one for the stale time the share is 0
     * ({@code SharedRateLimit.stale}) and the instance joins again, as after a freeze.
     */
    void look(RateShare.Group group, SharesBoard board) {
        String wanted = stableKey;
        if (wanted != null && !wanted.equals(key)) {
            String former = key;
            synchronized (rule) {
                claims.become(wanted);
                key = wanted;
            }
            inForce.apply().accept(0);
            try {
                board.publish(former, null, intervalMs); // the start's key claims nothing any more
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (Exception e) {
                log.debug("Opentact rate limit: no tombstone for the start's key on '{}' ({})", board.name(), e.toString());
            }
        }
        long startNanos = lookedNanos.getAsLong();
        if (inForce.joinAgainIfPaused().ifPaused(startNanos, "its claim has been granted")) {
            inForce.apply().accept(0);
        } else if (startNanos - lastGoodNanos > staleNanos && !lapsed) {
            // Running, but Kafka did not answer: the others stop counting a silent claim after a
            // while, so this instance stops calling first (share() has said 0 since the lease ended).
            log.warn("Opentact rate limit: no look that reached consumer group '{}' and wrote and read the shares topic '{}' "
                    + "for {} ms (Kafka did not answer): no call until one does and its claim has been granted again",
                    groupId, board.name(), TimeUnit.NANOSECONDS.toMillis(startNanos - lastGoodNanos));
            synchronized (rule) {
                claims.reset();
            }
            lapsed = true;
        }
        boolean good = group != null;
        try {
            readBoard(board);
            ShareClaims.Entry record;
            synchronized (rule) {
                long now = clock.getAsLong();
                long gate = rule.observe(group, now);
                // The old rule's gates: not before joined and settled; an instance outside the group
                // (no consumers) has nothing to join and takes part by its claims alone.
                takesPart = gate > 0 && (rule.settled(now) || rule.outsideTheGroup());
                long demand = demand();
                List<RateApportion.Member> members = claims.members(demand, now);
                // Decided before this record goes out: an instance raised only once it read this
                // record back, so this one spaces wider before another's calls start.
                turns.several(claims.othersActive(now));
                long budget = rule.limit(); // with several, the margin is in time: spacingWindowNanos
                long rotation = Math.floorDiv(System.currentTimeMillis(), 4 * intervalMs);
                long target = takesPart ? RateApportion.apportion(budget, members, rotation).getOrDefault(key, 0L) : 0;
                boolean grow = takesPart && good && !group.rebalancing();
                record = claims.decide(target, demand, grow, now);
                lastTarget = target;
                lastDemand = demand;
            }
            board.publish(key, record.encode(), intervalMs);
            readBoard(board); // our record back: a raise is judged now
            if (boardFailing) {
                log.info("Opentact rate limit: the shares topic '{}' can be written and read again", board.name());
                boardFailing = false;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        } catch (Exception e) {
            good = false;
            String why = kafka == null ? String.valueOf(e.getMessage()) : kafka.mask(e.getClass().getSimpleName() + ": " + e.getMessage());
            if (!boardFailing) {
                log.warn("Opentact rate limit: cannot write or read the shares topic '{}' ({}); this instance keeps its share "
                        + "of {} calls per {} ms for at most {} ms, and takes none after that until it can", board.name(), why,
                        inForce.share().getAsLong(), windowMs, TimeUnit.NANOSECONDS.toMillis(staleNanos));
                boardFailing = true;
            }
        }
        if (good) {
            lastGoodNanos = startNanos; // counted from the look's start: the others read our record after it
            lapsed = false;
        }
        inForce.looked().run();
        long after = inForce.share().getAsLong();
        if (after != lastLogged) { // a raise whose hold ended between looks shows here
            logShare(after, board);
            lastLogged = after;
        }
    }

    /**
     * Between looks: reads the shares topic (a raise of this instance read back is judged there, as
     * in a look) and says whether a look now would move a share ({@link ShareClaims#news}, or this
     * instance's demand moved since it published it). Never throws: the next look says what failed.
     */
    boolean worthALook(SharesBoard board) {
        try {
            readBoard(board);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (Exception e) {
            return false;
        }
        long demand = demand();
        synchronized (rule) {
            return takesPart && (claims.news() || claims.demandMoved(demand));
        }
    }

    private void readBoard(SharesBoard board) throws Exception {
        List<String[]> records = board.read(intervalMs);
        synchronized (rule) {
            long now = clock.getAsLong();
            for (String[] r : records) {
                claims.read(r[0], ShareClaims.Entry.decode(r[1]), now);
            }
        }
    }

    private void logShare(long after, SharesBoard board) {
        long now = clock.getAsLong();
        int others;
        long othersClaims;
        boolean raising;
        synchronized (rule) {
            others = claims.othersCounted(now);
            othersClaims = claims.othersClaims(now);
            raising = claims.raising();
        }
        log.info("Opentact rate limit: this instance's share is now {} of {} calls per {} ms ({} per {} ms slice): "
                        + "its {} of {} members of consumer group '{}'; its demand {}, target {}, {} other instance(s) on "
                        + "shares topic '{}' claiming {}{}{}", after, rule.limit(), windowMs, inForce.perSlice().getAsLong(),
                RateLimitSlices.sliceMs(windowMs), rule.mine(), rule.total(), groupId, lastDemand, lastTarget, others,
                board == null ? "" : board.name(), othersClaims,
                turns.several() ? "; spaced over " + windowMs * 100 / severalPercent + " ms while others claim (opentact.api.rate-share-percent "
                        + severalPercent + ")" : "",
                takesPart ? (raising ? " (a raise waits for its grant or its hold)" : "")
                        : rule.joined() ? " (not counted by the others yet: no call until then)"
                        : " (not seen join yet: no call until it has been and its claim is granted)");
    }
}
