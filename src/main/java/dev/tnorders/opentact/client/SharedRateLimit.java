package dev.tnorders.opentact.client;

import java.util.Set;
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
 * topic ({@code opentact.topics.rate-shares}), publishes its demand and reads the others': the
 * limit is split by demand and a share moves only as the claims allow ({@link DemandShares}).
 * Without the topic, the share is RateShare's: this instance's consumers over the group's members.
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
    private volatile long lastRefreshNanos;
    private boolean failing;
    /** The turns calls take on the sending thread, at this instance's share. */
    private final RateTurns turns;
    /** The group's members and state, looked up in Kafka (null: a look given by a test or {@link #alone}). */
    private final ConsumerGroupLook groupLook;
    /** The share by demand through the shares topic; off (no topic) in tests and {@link #alone}. */
    private final DemandShares shares;
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
        this.turns = new RateTurns(windowMs, severalPercent);
        this.shares = new DemandShares(LOG, kafka, groupId, windowMs, intervalMs, staleNanos, severalPercent, clock, nanos,
                lastLookNanos, rule, turns, new DemandShares.InForce(this::share, () -> perSlice, this::apply,
                        this::joinAgainIfPaused, () -> lastLookNanos = lookedNanos.getAsLong()));
        apply(rule.share());
    }

    /**
     * The shares topic this instance publishes its demand and claims to, and reads the others' from
     * ({@link ShareClaims}); with it the account's limit follows the demand. As beans.camel.yaml
     * makes it: {@code opentact.topics.rate-shares}, created at {@link #start()} when missing.
     */
    public void setSharesTopic(String topic) {
        shares.sharesTopic(topic);
    }

    /** A board of one's own (tests): the share follows the demand published there. */
    synchronized void board(SharesBoard board) {
        shares.board(board);
    }

    /**
     * Tells this instance's backlog (its requests polled and not finished): with the calls waiting
     * for a turn, the demand it publishes, by which the account's limit is shared.
     */
    public void backlog(LongSupplier backlog) {
        shares.backlog(backlog);
    }

    /** The demand this instance publishes: calls waiting for a turn, and its backlog. */
    long demand() {
        return shares.demand();
    }

    /** The whole limit for this instance, never looking at a group (one instance, no group); before {@link #start()} too. */
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

    /** Calls per window for the Throttle of the whole window: the share, at least one ({@link #awaitTurn} holds at 0). */
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
        if (!shares.on()) {
            return perWindow;
        }
        long level = shares.level(); // a granted raise comes into force once its hold has ended
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
        turns.await(maxWaitNanos, this::share).left();
    }

    /**
     * {@link #awaitTurn}, for a call that leaves later on this thread: it counts from its turn until it
     * has {@link Departing#left} (request written, or ended without), then by when that was; or until
     * it gives the turn back, unsent (RollingWindow).
     */
    public Departing awaitTurnUntilLeft(long maxWaitNanos) {
        return turns.await(maxWaitNanos, this::share);
    }

    /**
     * The requests consumer {@code member} of this instance has joined the group (its rebalance
     * listener says so): once all of its consumers have since it started or woke from a freeze, it
     * counts as joined ({@link RateShare}), and takes its share after the settling time.
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

    /** The window the share is spaced over now, in ms: longer while others claim, or after 429s ({@link ArrivalMargin}). */
    public long spacingWindowMs() {
        return turns.spacingWindowMs();
    }

    /** A call's answer (its HTTP status; null: none): a 429 widens the window for a while ({@link ArrivalMargin}). */
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
     * Whether the share is older than its lease: no look (answered or not) for {@link #STALE_INTERVALS}
     * intervals by the monotonic clock, as after a freeze of this JVM (SIGSTOP, a long GC pause): the
     * others may have taken its share, so its queued calls wait for the next look, which runs at once.
     */
    boolean stale() {
        // With the shares topic, only a look that was answered and published counts: the others stop
        // counting a silent member's claim after a while, so it must stop calling before that.
        return lookedNanos.getAsLong() - (shares.on() ? shares.lastGoodNanos() : lastLookNanos) > staleNanos;
    }

    /** Intervals without a look after which the share is stale. */
    static final int STALE_INTERVALS = 3;

    /** Looks at the group once now (at most an interval: the routes start with a known share), then {@link #tick}s. */
    public synchronized void start() {
        if (refresher != null) {
            return;
        }
        shares.open();
        SharesBoard board = shares.board();
        LOG.info("Opentact rate limit: {} calls per {} ms for the account, shared by the members of consumer group '{}'{}; "
                + "this instance takes {} call per window until the group is known", rule.limit(), windowMs, groupId,
                board == null ? "" : " by their demand (shares topic '" + board.name() + "')", rule.share());
        refresh();
        refresher = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "opentact-rate-share");
            t.setDaemon(true);
            return t;
        });
        long tick = Math.min(SOON_MS, intervalMs);
        refresher.scheduleWithFixedDelay(this::tick, tick, tick, TimeUnit.MILLISECONDS);
    }

    /** How often the shares topic is read between looks; a look comes at most this often. */
    static final long SOON_MS = 250;

    /**
     * A look every interval, and at once when the shares topic or this instance's demand says a share
     * would move ({@link DemandShares#worthALook}): at a burst's start, a member that looked before
     * its first poll dropped to 0 and got its part back three looks (5-7 s) later.
     */
    void tick() {
        SharesBoard b = shares.board(); // due half a tick early: a look every interval, as before ticks
        if (lookedNanos.getAsLong() - lastRefreshNanos >= TimeUnit.MILLISECONDS.toNanos(intervalMs - Math.min(SOON_MS, intervalMs) / 2)
                || b != null && shares.worthALook(b)) {
            refresh();
        }
    }

    /** Stops looking; the share stays as it was. */
    public synchronized void stop() {
        if (refresher != null) {
            refresher.shutdownNow();
            refresher = null;
        }
        shares.withdraw();
        if (groupLook != null) {
            groupLook.close();
        }
    }

    /** One look at the group and the share that follows; never throws. */
    void refresh() {
        lastRefreshNanos = lookedNanos.getAsLong();
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
        SharesBoard b = shares.board(); // stop() may clear it meanwhile
        if (b != null) {
            shares.look(group, b);
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
        shares.instanceKey(groupInstanceId);
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
            shares.resetOnRejoin();
        }
        return true;
    }

    private void apply(long share) {
        perSlice = RateLimitSlices.callsPerSlice(Math.max(1, share), windowMs);
        perWindow = share;
    }
}
