package dev.tnorders.opentact.client;

import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.tnorders.opentact.kafka.KafkaClientSettings;

/**
 * The account's rate limit towards Opentact, one limit over every instance: this instance's share
 * of {@code opentact.api.rate-limit} calls per {@code opentact.api.rate-limit-window-ms}. Every
 * {@code opentact.api.rate-share-interval-ms} (each step of a look bounded by the same time) it
 * looks at the requests consumer group ({@code opentact.kafka.group-id}, Kafka's Admin API: the
 * joining, settling, rebalancing and freezing rules of {@link RateShare}) and, with the shares
 * topic ({@code opentact.topics.rate-shares}, {@link SharesBoard}), publishes its demand and reads the
 * others': the limit is split by demand ({@link RateApportion}) and a share moves only as
 * {@link ShareClaims} allows (down at once; up when its claim, read back, fits in the limit with
 * the others' latest claims, and a window later). Without the topic, the share is RateShare's:
 * this instance's consumers over the group's members.
 *
 * <p>The Throttles of route {@code opentact-call} read it for each call: {@link #callsPerWindow()}
 * per window, and {@link #callsPerSlice()} per slice of about 100 ms ({@link RateLimitSlices}), so
 * that the share goes out in small bursts. A change is logged.
 */
public class SharedRateLimit {

    private static final Logger LOG = LoggerFactory.getLogger(SharedRateLimit.class);

    /** What one look at the group found; null when Kafka did not answer (it logs why). */
    @FunctionalInterface
    interface GroupLook {
        RateShare.Group look() throws Exception;
    }

    private final String groupId;
    private final long windowMs;
    private final long intervalMs;
    private final LongSupplier clock;
    private final RateShare rule;
    private final GroupLook look;
    private final KafkaClientSettings kafka;
    private volatile ScheduledExecutorService refresher;
    private volatile long perWindow;
    private volatile long perSlice;
    private final LongSupplier lookedNanos;
    private final long staleNanos;
    private volatile long lastLookNanos;
    private boolean failing;
    /** How much longer than the window calls are spaced, after 429s (monotonic ms). */
    /** The shares topic; null: the share follows the group's members only (RateShare), as in tests and {@link #alone}. */
    private volatile SharesBoard board;
    private Supplier<SharesBoard> boardFactory;
    private ShareClaims claims;
    private volatile String key = UUID.randomUUID().toString();
    /** This instance's stable name on the shares topic, once known ({@link #instanceKey}). */
    private volatile String stableKey;
    private final int severalPercent;
    /** The turns calls take on the sending thread, at this instance's share. */
    private final RateTurns turns;
    /** The group's members and state, looked up in Kafka (null: a look given by a test or {@link #alone}). */
    private final ConsumerGroupLook groupLook;
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
    /** The member ids of this instance's requests consumers now (empty: not known). */
    private volatile Supplier<Set<String>> ownMembers = Set::of;

    /** As beans.camel.yaml makes it: the group looked up in Kafka with these client settings. */
    public SharedRateLimit(KafkaClientSettings kafka, String groupId, long limit, long windowMs, int consumers,
                           long intervalMs, int severalPercent) {
        this(kafka, groupId, limit, windowMs, consumers, intervalMs, System::currentTimeMillis, null, severalPercent);
    }

    SharedRateLimit(KafkaClientSettings kafka, String groupId, long limit, long windowMs, int consumers,
                    long intervalMs, LongSupplier clock, GroupLook look) {
        this(kafka, groupId, limit, windowMs, consumers, intervalMs, clock, look, RateShare.SEVERAL_PERCENT);
    }

    SharedRateLimit(KafkaClientSettings kafka, String groupId, long limit, long windowMs, int consumers,
                    long intervalMs, LongSupplier clock, GroupLook look, int severalPercent) {
        this(kafka, groupId, limit, windowMs, consumers, intervalMs, clock, look, severalPercent, System::nanoTime);
    }

    /** @param nanos the monotonic clock of the share's lease ({@link #stale}) */
    SharedRateLimit(KafkaClientSettings kafka, String groupId, long limit, long windowMs, int consumers,
                    long intervalMs, LongSupplier clock, GroupLook look, int severalPercent, LongSupplier nanos) {
        this(kafka, groupId, limit, windowMs, consumers, intervalMs, clock, look, severalPercent, nanos, true);
    }

    private SharedRateLimit(KafkaClientSettings kafka, String groupId, long limit, long windowMs, int consumers,
                            long intervalMs, LongSupplier clock, GroupLook look, int severalPercent, LongSupplier nanos,
                            boolean inAGroup) {
        if (intervalMs <= 0) {
            throw new IllegalArgumentException("opentact.api.rate-share-interval-ms must be positive, was " + intervalMs);
        }
        RateLimitSlices.slicesPerWindow(windowMs); // refuses a window that is not positive, by name
        this.kafka = kafka;
        this.groupId = groupId;
        this.windowMs = windowMs;
        this.intervalMs = intervalMs;
        this.clock = clock;
        // A member that joins waits for every other member's next look (an interval, and the look's
        // own time, at most another) and for the end of the window their old share counted in.
        this.rule = new RateShare(limit, consumers, clock.getAsLong(), severalPercent,
                inAGroup ? 2 * intervalMs + windowMs : 0, inAGroup);
        this.groupLook = look != null ? null : new ConsumerGroupLook(kafka, groupId, intervalMs, () -> ownMembers.get(),
                () -> rule.mine());
        this.look = look != null ? look : groupLook::describe;
        this.lookedNanos = nanos;
        this.staleNanos = TimeUnit.MILLISECONDS.toNanos(STALE_INTERVALS * intervalMs);
        this.lastLookNanos = nanos.getAsLong();
        this.severalPercent = severalPercent;
        this.turns = new RateTurns(windowMs, severalPercent);
        this.lastGoodNanos = this.lastLookNanos;
        apply(rule.share());
    }

    /**
     * The shares topic this instance publishes its demand and claims to, and reads the others' from
     * ({@link ShareClaims}); with it the account's limit follows the demand. As beans.camel.yaml
     * makes it: {@code opentact.topics.rate-shares}, created at {@link #start()} when missing.
     */
    public void setSharesTopic(String topic) {
        if (topic == null || topic.isBlank() || "none".equalsIgnoreCase(topic.trim())) {
            this.boardFactory = null;
            return;
        }
        this.boardFactory = () -> new RateSharesTopic(kafka, topic.trim(), intervalMs);
    }

    /** A board of one's own (tests): the share follows the demand published there. */
    synchronized void board(SharesBoard board) {
        this.boardFactory = () -> board;
        this.board = board;
        initClaims();
    }

    private void initClaims() {
        // A silent member is counted until it must have stopped calling: its share falls to 0 after
        // STALE_INTERVALS without a good look; a look takes at most about three intervals (the group,
        // the publication, the reading); then its window ends.
        this.claims = new ShareClaims(key, rule.limit(), windowMs, (STALE_INTERVALS + 3) * intervalMs + windowMs);
    }

    /**
     * Tells this instance's backlog (its requests polled and not finished): with the calls waiting
     * for a turn, the demand it publishes, by which the account's limit is shared.
     */
    public void backlog(LongSupplier backlog) {
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

    /**
     * The whole limit for this instance, never looking at a group: for a host or a test that runs
     * one instance and no requests consumer group. Kept before {@link #start()} too.
     */
    public static SharedRateLimit alone(long limit, long windowMs) {
        SharedRateLimit l = new SharedRateLimit(null, "(none)", limit, windowMs, 1, 1000, System::currentTimeMillis,
                () -> new RateShare.Group(0, false), RateShare.SEVERAL_PERCENT, () -> 0L, false); // alone: never stale
        l.refresh();
        return l;
    }

    /**
     * Tells how to know this instance's own members in the group (the requests consumers' member
     * ids): once they are all in it, this instance has joined, even when the group did not grow (a
     * restarted instance whose static members took their old places).
     */
    public void ownMembers(Supplier<Set<String>> ids) {
        this.ownMembers = ids == null ? Set::of : ids;
    }

    /**
     * Calls per window for the Throttle of the whole window: the share, at least one (a Throttle
     * cannot hold every call back; {@link #awaitTurn} does while the share is 0 or stale).
     */
    public int callsPerWindow() {
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, share()));
    }

    /**
     * The calls per window this instance may make now: its share, or 0 while it is not counted by
     * the other members yet ({@link RateShare}) or while the share is stale ({@link #stale}).
     */
    public long share() {
        if (stale()) {
            return 0;
        }
        if (claims == null) {
            return perWindow;
        }
        long level;
        synchronized (rule) { // a granted raise comes into force once its hold has ended
            level = takesPart ? claims.level(clock.getAsLong()) : 0;
        }
        if (level != perWindow) {
            apply(level);
        }
        return level;
    }

    /**
     * On the thread that sends, after every queue: waits until fewer than {@link #share()} calls
     * left this instance in the window ending now (by the monotonic clock), and takes that turn.
     * Calls Camel's Throttles released together (after a pause of this JVM, or at a window's edge)
     * leave one turn at a time, so the calls of this instance in any rolling window never exceed its
     * share; while the share is 0 (not counted by the others yet, or stale) no call leaves.
     *
     * @param maxWaitNanos how long it may wait (what is left of the call's queue timeout)
     * @throws CallNotSentException when no turn comes within it (the call is not sent)
     */
    public void awaitTurn(long maxWaitNanos) {
        turns.await(maxWaitNanos, this::share);
    }

    /**
     * The requests consumer {@code member} of this instance has joined the group (its rebalance
     * listener says so after every rebalance it took part in): once all of this instance's
     * consumers have since it started or woke from a freeze, it counts as joined ({@link RateShare}),
     * and takes its share after the settling time.
     */
    public void memberJoined(int member) {
        boolean nowJoined;
        synchronized (rule) {
            boolean before = rule.joined();
            rule.memberJoined(member, clock.getAsLong());
            nowJoined = !before && rule.joined();
        }
        ScheduledExecutorService r = refresher;
        if (nowJoined && r != null) {
            // A look now rather than at the next interval: alone, its share comes at once.
            try {
                r.execute(this::refresh);
            } catch (RejectedExecutionException stopped) {
                // stopping: no more looks
            }
        }
    }

    /** The window this instance spaces its calls over now, in ms (tests, logs). */
    long spacingWindowMs() {
        return turns.spacingWindowMs();
    }

    /**
     * A call's answer (its HTTP status; null: none came): a 429 says calls of the account arrived
     * closer together than they left, so this instance spaces its calls over a longer window for a
     * while ({@link ArrivalMargin}).
     */
    public void answered(Integer status) {
        turns.answered(status, this::share);
    }

    /** Turns this instance took since it started (calls let out by {@link #awaitTurn}). */
    public long turnsTaken() {
        return turns.turnsTaken();
    }

    /** The window {@link #share()} counts calls in, in ms. */
    public long windowMs() {
        return windowMs;
    }

    /** Calls per slice ({@link RateLimitSlices#sliceMs}) for the Throttle of the slices; one while stale. */
    public int callsPerSlice() {
        if (stale()) {
            return 1;
        }
        share(); // a raise whose hold ended
        return (int) Math.min(Integer.MAX_VALUE, perSlice);
    }

    /**
     * Whether the share is older than its lease: no look at the group was made (answered or not)
     * for {@link #STALE_INTERVALS} intervals, by the monotonic clock, as after a freeze of this JVM
     * (SIGSTOP, a long GC pause). Meanwhile the other members may have taken this one's share; its
     * calls queued during the freeze must not go out at the old share, so it takes one call per
     * window (within the headroom RateShare leaves) until the next look, which runs at once.
     */
    boolean stale() {
        // With the shares topic, only a look that was answered and published counts: the others stop
        // counting a silent member's claim after a while, so it must stop calling before that.
        return lookedNanos.getAsLong() - (claims != null ? lastGoodNanos : lastLookNanos) > staleNanos;
    }

    /** Intervals without a look after which the share is stale. */
    static final int STALE_INTERVALS = 3;

    /**
     * Looks at the group once now (at most one interval, so that the routes start with a share
     * that is known when Kafka answers), then every interval.
     */
    public synchronized void start() {
        if (refresher != null) {
            return;
        }
        if (board == null && boardFactory != null) {
            board = boardFactory.get();
            initClaims();
        }
        LOG.info("Opentact rate limit: {} calls per {} ms for the account, shared by the members of consumer group '{}'{}; "
                + "this instance takes {} call per window until the group is known", rule.limit(), windowMs, groupId,
                board == null ? "" : " by their demand (shares topic '" + board.name() + "')", rule.share());
        refresh();
        refresher = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "opentact-rate-share");
            t.setDaemon(true);
            return t;
        });
        refresher.scheduleWithFixedDelay(this::refresh, intervalMs, intervalMs, TimeUnit.MILLISECONDS);
    }

    /** Stops looking; the share stays as it was. */
    public synchronized void stop() {
        if (refresher != null) {
            refresher.shutdownNow();
            refresher = null;
        }
        if (board != null) {
            synchronized (rule) {
                takesPart = false; // no call from here on: then the record that says so
                claims.reset();
            }
            try {
                board.publish(key, null, intervalMs); // a tombstone: this instance claims nothing any more
            } catch (Exception e) {
                LOG.debug("Opentact rate limit: could not withdraw this instance's claim from '{}' ({}); the others "
                        + "stop counting it when it has been silent long enough", board.name(), e.toString());
            }
            board.close();
            board = null;
        }
        if (groupLook != null) {
            groupLook.close();
        }
    }

    /** One look at the group and the share that follows; never throws. */
    void refresh() {
        RateShare.Group group = null;
        try {
            group = look.look();
            if (failing) {
                LOG.info("Opentact rate limit: consumer group '{}' can be looked up again", groupId);
                failing = false;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        } catch (Exception e) {
            String why = e instanceof TimeoutException ? "no answer in " + intervalMs + " ms"
                    : kafka == null ? String.valueOf(e.getMessage()) : kafka.mask(e.getClass().getSimpleName() + ": " + e.getMessage());
            if (!failing) {
                LOG.warn("Opentact rate limit: cannot look up consumer group '{}' ({}); this instance keeps its share of {} "
                        + "calls per {} ms until it can", groupId, why, rule.share(), windowMs);
                failing = true;
            } else {
                LOG.debug("Opentact rate limit: still cannot look up consumer group '{}' ({})", groupId, why);
            }
        }
        SharesBoard b = board; // stop() may clear it meanwhile
        if (b != null) {
            refreshByDemand(group, b);
            return;
        }
        joinAgainIfPaused(lookedNanos.getAsLong(), "the others have counted it");
        long before = perWindow;
        long after;
        synchronized (rule) {
            after = rule.observe(group, clock.getAsLong());
        }
        lastLookNanos = lookedNanos.getAsLong();
        if (after != before) {
            apply(after);
            LOG.info("Opentact rate limit: this instance's share is now {} of {} calls per {} ms ({} per {} ms slice): "
                            + "its {} of {} members of consumer group '{}'{}", after, rule.limit(), windowMs, perSlice,
                    RateLimitSlices.sliceMs(windowMs), rule.mine(), rule.total(), groupId,
                    after > 0 ? "" : rule.joined() ? " (not counted by the others yet: no call until then)"
                            : " (not seen join yet: no call until it has been and the others have counted it)");
        }
    }

    /**
     * This instance's static group instance id (RequestConsumers): its records on the shares topic
     * go under it from the next look, so that a killed instance started again replaces its earlier
     * run's claim at once ({@link ShareClaims#become}) instead of waiting for it to go silent
     * (13 s at the defaults: issue 23's fast return).
     */
    public void instanceKey(String groupInstanceId) {
        if (groupInstanceId != null && !groupInstanceId.isBlank()) {
            stableKey = "instance " + groupInstanceId;
        }
    }

    /**
     * Whether no look was made for {@link #STALE_INTERVALS} intervals, by the monotonic clock: this
     * JVM was paused (SIGSTOP, a long GC pause, a VM stall), and the others may have taken its part.
     * Then it joins again as a new instance (no call until it has been seen join and {@code until}),
     * and says so.
     */
    private boolean joinAgainIfPaused(long nowNanos, String until) {
        if (nowNanos - lastLookNanos <= staleNanos) {
            return false;
        }
        LOG.warn("Opentact rate limit: no look at consumer group '{}' for {} ms (this JVM was paused?): no call until "
                + "it has been seen join the group again and {}", groupId, TimeUnit.NANOSECONDS.toMillis(nowNanos - lastLookNanos),
                until);
        synchronized (rule) {
            rule.rejoin(clock.getAsLong());
            if (claims != null) {
                claims.reset();
                takesPart = false;
            }
        }
        return true;
    }

    /**
     * One look with the shares topic: read it to its end, compute this instance's target by the
     * demands seen ({@link RateApportion}), lower the share at once or claim a raise
     * ({@link ShareClaims}), publish, and read the claim back. A look is good when the group was
     * answered and the record written and read; without one for {@link #STALE_INTERVALS} intervals
     * the share is 0 ({@link #stale}) and the instance joins again, as after a freeze.
     */
    private void refreshByDemand(RateShare.Group group, SharesBoard board) {
        String wanted = stableKey;
        if (wanted != null && !wanted.equals(key)) {
            String former = key;
            synchronized (rule) {
                claims.become(wanted);
                key = wanted;
            }
            apply(0);
            try {
                board.publish(former, null, intervalMs); // the start's key claims nothing any more
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (Exception e) {
                LOG.debug("Opentact rate limit: no tombstone for the start's key on '{}' ({})", board.name(), e.toString());
            }
        }
        long startNanos = lookedNanos.getAsLong();
        if (joinAgainIfPaused(startNanos, "its claim has been granted")) {
            apply(0);
        } else if (startNanos - lastGoodNanos > staleNanos && !lapsed) {
            // Running, but Kafka did not answer: the others stop counting a silent claim after a
            // while, so this instance stops calling first (share() has said 0 since the lease ended).
            LOG.warn("Opentact rate limit: no look that reached consumer group '{}' and wrote and read the shares topic '{}' "
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
                takesPart = gate > 0 && (rule.settled(now) || outsideTheGroup());
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
                LOG.info("Opentact rate limit: the shares topic '{}' can be written and read again", board.name());
                boardFailing = false;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        } catch (Exception e) {
            good = false;
            String why = kafka == null ? String.valueOf(e.getMessage()) : kafka.mask(e.getClass().getSimpleName() + ": " + e.getMessage());
            if (!boardFailing) {
                LOG.warn("Opentact rate limit: cannot write or read the shares topic '{}' ({}); this instance keeps its share "
                        + "of {} calls per {} ms for at most {} ms, and takes none after that until it can", board.name(), why,
                        share(), windowMs, STALE_INTERVALS * intervalMs);
                boardFailing = true;
            }
        }
        if (good) {
            lastGoodNanos = startNanos; // counted from the look's start: the others read our record after it
            lapsed = false;
        }
        lastLookNanos = lookedNanos.getAsLong();
        long after = share();
        if (after != lastLogged) { // a raise whose hold ended between looks shows here
            logShare(after, board);
            lastLogged = after;
        }
    }

    private boolean outsideTheGroup() {
        return rule.outsideTheGroup();
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
        LOG.info("Opentact rate limit: this instance's share is now {} of {} calls per {} ms ({} per {} ms slice): "
                        + "its {} of {} members of consumer group '{}'; its demand {}, target {}, {} other instance(s) on "
                        + "shares topic '{}' claiming {}{}{}", after, rule.limit(), windowMs, perSlice,
                RateLimitSlices.sliceMs(windowMs), rule.mine(), rule.total(), groupId, lastDemand, lastTarget, others,
                board == null ? "" : board.name(), othersClaims,
                turns.several() ? "; spaced over " + windowMs * 100 / severalPercent + " ms while others claim (opentact.api.rate-share-percent "
                        + severalPercent + ")" : "",
                takesPart ? (raising ? " (a raise waits for its grant or its hold)" : "")
                        : rule.joined() ? " (not counted by the others yet: no call until then)"
                        : " (not seen join yet: no call until it has been and its claim is granted)");
    }

    private void apply(long share) {
        perSlice = RateLimitSlices.callsPerSlice(Math.max(1, share), windowMs);
        perWindow = share;
    }
}
